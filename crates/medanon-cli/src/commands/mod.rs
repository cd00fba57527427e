//! One module per group of subcommands, and what the batch commands share.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

mod anonymize;
mod audit;
mod batch;
mod clean_pixels;
mod crypto;
mod inspect;
mod reidentify;
mod render;
mod skull_strip;
mod slicing;
mod volume;

/// Runs the parsed command line. `Ok` carries the exit status: 0, or 2 when
/// some files of a batch failed; errors that stop the run are `Err` (status 1).
pub fn run(cli: Cli) -> Result<ExitCode> {
    let done = |result: Result<()>| result.map(|()| ExitCode::SUCCESS);
    match cli.command {
        Command::Keygen { out, force } => done(crypto::keygen(&out, force)),
        Command::Encrypt {
            key,
            scheme,
            aad,
            text,
        } => done(crypto::encrypt(&key, scheme.into(), aad.as_deref(), text)),
        Command::Decrypt {
            key,
            ttl,
            aad,
            token,
        } => done(crypto::decrypt(&key, ttl, aad.as_deref(), token)),
        Command::Anonymize(args) => anonymize::anonymize(args),
        Command::Inspect {
            file,
            json,
            recipe,
            key,
        } => done(inspect::inspect(
            &file,
            json,
            recipe.as_deref(),
            key.as_deref(),
        )),
        Command::View(args) => done(volume::view(&args)),
        Command::Render(args) => done(render::render(&args)),
        Command::CleanPixels(args) => done(clean_pixels::clean_pixels(&args)),
        Command::Convert {
            input,
            out,
            nifti2,
            series,
            force,
        } => done(volume::convert(&input, &out, nifti2, series, force)),
        Command::SkullStrip(args) => done(skull_strip::skull_strip(&args)),
        Command::Reidentify {
            input,
            out,
            key,
            batch,
        } => reidentify::reidentify(&input, &out, &key, &batch),
    }
}
