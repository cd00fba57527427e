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
