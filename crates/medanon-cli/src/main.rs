//! The `medanon` command-line tool.
//!
//! `main` parses the arguments, `run` does the work, and errors are printed
//! on one line with exit status 1 (clap reports usage errors with status 2).
//! Batch commands report each failed file and exit with status 2 when some
//! failed but the run went on.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod input;

fn main() -> ExitCode {
    quiet_panics();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // `{:#}` joins the causes on one line: "context: cause".
            eprintln!("medanon: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Replaces the default panic message, whose payload could quote a value
/// from a file being processed (patient data) or a secret, by its location
/// only. Batch commands catch panics per file and report that file as failed.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("medanon: internal error{location} (please report it; details withheld)");
    }));
}
