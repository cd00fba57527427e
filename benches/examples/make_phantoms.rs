//! Writes the synthetic head phantoms of the brain-extraction tests
//! (`crates/medanon/tests/support/phantom.rs`) for viewing: `OUT_DIR/<name>.nii.gz`
//! and the true brain mask `OUT_DIR/<name>_truth.nii.gz` (u8, 0/1).
//!
//! `cargo run --release -p medanon-benches --example make_phantoms -- OUT_DIR`
#![allow(missing_docs)]

#[path = "../../crates/medanon/tests/support/phantom.rs"]
mod phantom;

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use medanon_nifti::{
    Affine, NiftiImage, NiftiVersion, StoredType, Volume, WriteOptions, write_volume_with,
};

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: make_phantoms OUT_DIR")?;
    std::fs::create_dir_all(&out)?;
    let options = WriteOptions {
        version: NiftiVersion::Nifti1,
        overwrite: true,
    };
    for kind in phantom::ALL {
        let started = Instant::now();
        let Some(p) = phantom::phantom(kind) else {
            return Err(format!(
                "the MNI152 files are not in the shared test data ({:?})",
                phantom::nifti_dir()
            )
            .into());
        };
        let seconds = started.elapsed().as_secs_f64();
        let affine = Affine(p.affine);
        let voxel = affine.voxel_size();
        let voxel_ml = voxel.iter().product::<f64>() / 1000.0;
        let brain = p.truth.iter().filter(|&&t| t).count();

        let mut image = Volume::from_3d(p.data.clone(), affine);
        if kind == phantom::Kind::Integer {
            image.stored = StoredType::I16;
        }
        write_volume_with(
            out.join(format!("{}.nii.gz", p.name)),
            &NiftiImage::new(image),
            &options,
        )?;
        let mut truth = Volume::from_3d(p.truth.mapv(|t| f32::from(u8::from(t))), affine);
        truth.stored = StoredType::U8;
        write_volume_with(
            out.join(format!("{}_truth.nii.gz", p.name)),
            &NiftiImage::new(truth),
            &options,
        )?;
        println!(
            "{:<13} shape {:?}  voxel {:.2} x {:.2} x {:.2} mm  truth {:.1} ml  built in {:.2} s",
            p.name,
            p.data.dim(),
            voxel[0],
            voxel[1],
            voxel[2],
            brain as f64 * voxel_ml,
            seconds
        );
    }
    Ok(())
}
