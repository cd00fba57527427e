//! The `medanon` command-line tool.
//!
//! `main` parses the arguments, `run` does the work, and errors are printed
//! on one line with exit status 1 (clap reports usage errors with status 2).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod input;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` joins the causes on one line: "context: cause".
            eprintln!("medanon: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
