//! Runs the brain extraction on a NIfTI file and reports timings:
//! `bet_run IN.nii[.gz] [OUT_MASK.nii.gz] [f] [truth.nii.gz]`.
#![allow(missing_docs)]

use std::time::Instant;

#[path = "../../crates/medanon/tests/support/phantom.rs"]
mod phantom;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let input = args
        .get(1)
        .ok_or("usage: bet_run IN [OUT_MASK] [f] [TRUTH]")?;
    let t0 = Instant::now();
    let image = medanon_nifti::read_volume(input)?;
    let volume = image.volume;
    let t_read = t0.elapsed();
    let frame = volume.frame(0).ok_or("no frame")?;
    let f: f64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(0.5);
    let t1 = Instant::now();
    let bet_image = medanon_bet::Image::new(frame, volume.affine.0)?;
    let mut params = medanon_bet::BetParams::default().fractional_threshold(f);
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(v) = env("BET_EXP") {
        params.threshold_exponent = v;
    }
    if let Some(v) = env("BET_DMIN") {
        params.search_min_mm = v;
    }
    if let Some(v) = env("BET_DMAX") {
        params.search_max_mm = v;
    }
    if let Some(v) = env("BET_SMOOTH") {
        params.smoothness = v;
    }
    if let Some(v) = env("BET_ITER") {
        params.iterations = v as u32;
    }
    if let Ok(c) = std::env::var("BET_CENTRE") {
        let v: Vec<f64> = c.split(',').filter_map(|x| x.parse().ok()).collect();
        params.centre = Some([v[0], v[1], v[2]]);
    }
    params.radius = env("BET_RADIUS");
    params.robust_centre = std::env::var("BET_ROBUST").is_ok();
    if let Ok(name) = std::env::var("BET_PHANTOM") {
        let kind = phantom::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or("no such phantom")?;
        let p = phantom::phantom(kind).ok_or("no data")?;
        let image = medanon_bet::Image::new(p.data.view(), p.affine)?;
        let t = Instant::now();
        let out = medanon_bet::extract(&image, &params)?;
        println!(
            "{name}: dice {:.4} passes {} {:.2}s",
            phantom::dice(&out.mask, &p.truth),
            out.smoothing_passes,
            t.elapsed().as_secs_f64()
        );
        out.mesh
            .write_off(std::fs::File::create("/tmp/mesh.off")?)?;
        let head = medanon_bet::estimate_head(&image, None, None)?;
        let head = medanon_bet::locate_brain(&image, head, &params)?;
        let mut ev = medanon_bet::Evolver::new(&image, head, &params)?;
        for _ in 0..400 {
            ev.step();
        }
        ev.mesh()
            .write_off(std::fs::File::create("/tmp/mesh400.off")?)?;
        return Ok(());
    }
    if std::env::var("BET_TIME").is_ok() {
        let t = Instant::now();
        let (t2, t98) = medanon_bet::robust_range(&bet_image)?;
        println!(
            "robust range {t2} {t98} {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        let t = Instant::now();
        let head = medanon_bet::estimate_head(&bet_image, params.centre, params.radius)?;
        println!("estimate {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let located = medanon_bet::locate_brain(&bet_image, head, &params)?;
        println!(
            "locate {:.1} ms {:?}",
            t.elapsed().as_secs_f64() * 1e3,
            located.centre
        );
        let mut ev = medanon_bet::Evolver::new(&bet_image, head, &params)?;
        for _ in 0..300 {
            ev.step();
        }
        let t = Instant::now();
        for _ in 0..300 {
            ev.step();
        }
        println!("step {:.1} us", t.elapsed().as_secs_f64() * 1e6 / 300.0);
        return Ok(());
    }
    if std::env::var("BET_DEBUG").is_ok() {
        let head = medanon_bet::estimate_head(&bet_image, params.centre, params.radius)?;
        let head = medanon_bet::locate_brain(&bet_image, head, &params)?;
        let mut ev = medanon_bet::Evolver::new(&bet_image, head, &params)?;
        for _ in 0..params.iterations / 100 {
            for _ in 0..100 {
                ev.step();
            }
            let mesh = ev.mesh();
            if ev.iteration() == params.iterations {
                mesh.write_off(std::fs::File::create("/tmp/mesh.off")?)?;
                let mask = medanon_bet::fill_mesh(&bet_image, &mesh)
                    .mapv(|m| if m { 1.0f32 } else { 0.0 });
                let mut vol = medanon_nifti::Volume::from_3d(mask, volume.affine);
                vol.stored = medanon_nifti::StoredType::U8;
                let image = medanon_nifti::NiftiImage::new(vol);
                medanon_nifti::write_volume_with(
                    "/tmp/first.nii.gz",
                    &image,
                    &medanon_nifti::WriteOptions {
                        overwrite: true,
                        ..Default::default()
                    },
                )?;
            }
            println!(
                "iter {} mean radius {:.2} intersections {}",
                ev.iteration(),
                ev.mean_radius(),
                mesh.self_intersections()
            );
        }
    }
    let out = medanon_bet::extract(&bet_image, &params)?;
    let t_bet = t1.elapsed();
    println!(
        "read {:.2}s bet {:.3}s brain {:.1} ml head {:?} passes {} intersect {}",
        t_read.as_secs_f64(),
        t_bet.as_secs_f64(),
        out.brain_volume_ml(),
        out.head,
        out.smoothing_passes,
        out.self_intersecting
    );
    if let Some(truth) = args.get(4) {
        let truth = medanon_nifti::read_volume(truth)?.volume;
        let truth = truth.frame(0).ok_or("no frame")?;
        let (mut both, mut a, mut b) = (0usize, 0usize, 0usize);
        for (&m, &t) in out.mask.iter().zip(truth.iter()) {
            let t = t > 0.5;
            both += usize::from(m && t);
            a += usize::from(m);
            b += usize::from(t);
        }
        println!("dice {:.4}", 2.0 * both as f64 / (a + b) as f64);
    }
    if let Some(path) = args.get(2).filter(|s| *s != "-") {
        let mask = out.mask.mapv(|m| if m { 1.0f32 } else { 0.0 });
        let mut vol = medanon_nifti::Volume::from_3d(mask, volume.affine);
        vol.stored = medanon_nifti::StoredType::U8;
        let image = medanon_nifti::NiftiImage::new(vol);
        medanon_nifti::write_volume_with(
            path,
            &image,
            &medanon_nifti::WriteOptions {
                overwrite: true,
                ..Default::default()
            },
        )?;
    }
    Ok(())
}
