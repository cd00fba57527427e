//! Renders a NIfTI image as a three-plane montage PNG: the percentile
//! window on top and an enhanced version below.
//!
//! ```sh
//! cargo run -p medanon-nifti --example render -- IN.nii[.gz] OUT.png \
//!     [--enhance clahe|equalize|percentile|none] [--frame N] [--single]
//! ```
//!
//! `--single` writes one row (the enhanced montage) instead of two.

use std::path::PathBuf;
use std::process::ExitCode;

use medanon_nifti::{
    Enhance, ViewOptions, axis_codes, read_volume, render_comparison, render_montage,
};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("render: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut paths = Vec::new();
    let mut opts = ViewOptions::default().with_enhance(Enhance::CLAHE);
    let mut single = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--enhance" => {
                let mode = args.next().ok_or("--enhance needs a mode")?;
                opts = opts.with_enhance(match mode.as_str() {
                    "clahe" => Enhance::CLAHE,
                    "equalize" => Enhance::Equalize,
                    "percentile" => Enhance::Percentile,
                    "none" => Enhance::None,
                    other => return Err(format!("unknown mode {other}").into()),
                });
            }
            "--frame" => opts = opts.with_frame(args.next().ok_or("--frame needs N")?.parse()?),
            "--single" => single = true,
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    let [input, output] = <[PathBuf; 2]>::try_from(paths)
        .map_err(|_| "usage: render IN OUT [--enhance MODE] [--frame N] [--single]")?;
    let volume = read_volume(&input)?.volume;
    let image = if single {
        render_montage(&volume, &opts)?
    } else {
        render_comparison(&volume, &opts)?
    };
    image.write_png(&output)?;
    let codes: String = axis_codes(&volume.affine).iter().collect();
    println!(
        "{}: {codes}, voxels {:?} mm → {} ({}×{})",
        input.display(),
        volume.voxel_size().map(|s| (s * 1000.0).round() / 1000.0),
        output.display(),
        image.width,
        image.height
    );
    Ok(())
}
