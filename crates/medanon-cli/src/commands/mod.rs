//! One module per group of subcommands.

use anyhow::Result;

use crate::cli::{Cli, Command};

mod crypto;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Keygen { out, force } => crypto::keygen(&out, force),
        Command::Encrypt {
            key,
            scheme,
            aad,
            text,
        } => crypto::encrypt(&key, scheme.into(), aad.as_deref(), text),
        Command::Decrypt {
            key,
            ttl,
            aad,
            token,
        } => crypto::decrypt(&key, ttl, aad.as_deref(), token),
    }
}
