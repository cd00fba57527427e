//! The brain extraction's core on a 1 mm head: one deformation iteration of
//! the 2562-vertex surface, the head statistics, the surface-to-mask fill,
//! and the whole extraction. Uses `head_t1_mean_1mm.nii.gz` from the shared
//! test data when present (176 x 256 x 256), else a synthetic head of the
//! same size.
#![allow(missing_docs)]
#![allow(clippy::expect_used)] // a benchmark on bad setup should stop loudly

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use medanon_bet::{BetParams, Evolver, Image, estimate_head, extract, fill_mesh, locate_brain};
use ndarray::Array3;

/// The head's voxels and affine.
fn head() -> (Array3<f32>, [[f64; 4]; 4]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/nifti/head_t1_mean_1mm.nii.gz");
    if let Ok(image) = medanon_nifti::read_volume(&path) {
        let volume = image.volume;
        let frame = volume.frame(0).expect("a 3-D image").to_owned();
        return (frame, volume.affine.0);
    }
    eprintln!(
        "{} not found: benchmarking a synthetic head",
        path.display()
    );
    // Brain (bright ball with darker rim), CSF, skull, scalp; 1 mm voxels.
    let data = Array3::from_shape_fn((176, 256, 256), |(i, j, k)| {
        let d = [i as f64 - 88.0, (j as f64 - 128.0) * 0.85, k as f64 - 140.0];
        let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        match r {
            r if r < 62.0 => 380.0,
            r if r < 68.0 => 250.0,
            r if r < 71.0 => 40.0,
            r if r < 77.0 => 15.0,
            r if r < 84.0 => 300.0,
            _ => 2.0,
        }
    });
    let affine = [
        [1.0, 0.0, 0.0, -88.0],
        [0.0, 1.0, 0.0, -128.0],
        [0.0, 0.0, 1.0, -140.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    (data, affine)
}

fn bet(c: &mut Criterion) {
    let (data, affine) = head();
    let image = Image::new(data.view(), affine).expect("a valid image");
    let params = BetParams::default();
    let mut group = c.benchmark_group("bet");
    group.sample_size(10);

    group.bench_function("estimate_head", |b| {
        b.iter(|| estimate_head(black_box(&image), None, None).expect("contrast"))
    });

    let head = estimate_head(&image, None, None).expect("contrast");
    let head = locate_brain(&image, head, &params).expect("valid parameters");
    let mut evolver = Evolver::new(&image, head, &params).expect("valid parameters");
    for _ in 0..500 {
        evolver.step();
    }
    group.bench_function("iteration_2562_vertices", |b| {
        b.iter_batched_ref(
            || evolver.clone(),
            |e| e.step(),
            criterion::BatchSize::SmallInput,
        )
    });

    evolver.run();
    let mesh = evolver.mesh();
    group.bench_function("self_intersection_test", |b| {
        b.iter(|| black_box(&mesh).self_intersects())
    });
    group.bench_function("fill_mesh", |b| {
        b.iter(|| fill_mesh(black_box(&image), black_box(&mesh)))
    });

    group.bench_function("extract_head_1mm", |b| {
        b.iter(|| extract(black_box(&image), &params).expect("a brain"))
    });
    group.finish();
}

criterion_group!(benches, bet);
criterion_main!(benches);
