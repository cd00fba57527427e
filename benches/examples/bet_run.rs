//! Times the brain extraction on a NIfTI file, one core, and reports what it
//! found: `bet_run IN.nii[.gz] [OUT_MASK.nii.gz] [TRUTH_MASK.nii.gz]`.
//!
//! Prints the time to read the image, the time of each step of the
//! extraction and in total, the brain's volume, and with a truth mask the
//! Dice overlap. `scripts/bench-bet.sh` runs it with peak-memory
//! measurement.
#![allow(missing_docs)]

use std::time::Instant;

use medanon_bet::{BetParams, Evolver, Image, estimate_head, extract, locate_brain};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let input = args
        .get(1)
        .ok_or("usage: bet_run IN [OUT_MASK|-] [TRUTH]")?;
    let t = Instant::now();
    let volume = medanon_nifti::read_volume(input)?.volume;
    let frame = volume.frame(0).ok_or("no volume")?;
    println!("read         {:8.1} ms", ms(t));
    let params = BetParams::default();

    let t = Instant::now();
    let image = Image::new(frame, volume.affine.0)?;
    println!(
        "image        {:8.1} ms  (f32 view, 16-bit bricked sampler)",
        ms(t)
    );
    let t = Instant::now();
    let head = estimate_head(&image, None, None)?;
    println!("estimate     {:8.1} ms", ms(t));
    let t = Instant::now();
    let located = locate_brain(&image, head, &params)?;
    println!("locate       {:8.1} ms", ms(t));
    let mut evolver = Evolver::new(&image, located, &params)?;
    let t = Instant::now();
    for _ in 0..100 {
        evolver.step();
    }
    println!("iteration    {:8.3} ms  (mean of 100)", ms(t) / 100.0);

    let t = Instant::now();
    let out = extract(&image, &params)?;
    println!(
        "extract      {:8.1} ms  brain {:.1} ml, {} re-run(s)",
        ms(t),
        out.brain_volume_ml(),
        out.smoothing_passes
    );
    if let Some(truth) = args.get(3) {
        let truth = medanon_nifti::read_volume(truth)?.volume;
        let truth = truth.frame(0).ok_or("no volume")?;
        let (mut both, mut a, mut b) = (0usize, 0usize, 0usize);
        for (&m, &t) in out.mask.iter().zip(truth.iter()) {
            let t = t > 0.5;
            both += usize::from(m && t);
            a += usize::from(m);
            b += usize::from(t);
        }
        println!("dice          {:.4}", 2.0 * both as f64 / (a + b) as f64);
    }
    if let Some(path) = args.get(2).filter(|s| *s != "-") {
        let mask = out.mask.mapv(|m| if m { 1.0f32 } else { 0.0 });
        let mut mask = medanon_nifti::Volume::from_3d(mask, volume.affine);
        mask.stored = medanon_nifti::StoredType::U8;
        let options = medanon_nifti::WriteOptions {
            overwrite: true,
            ..Default::default()
        };
        medanon_nifti::write_volume_with(path, &medanon_nifti::NiftiImage::new(mask), &options)?;
    }
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
