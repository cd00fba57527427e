//! Reading arguments that may come from standard input.

use std::io::Read;

use anyhow::{Context, Result};

/// `arg` itself, or standard input when it is `-` (one final line break removed).
pub fn arg_or_stdin(arg: String) -> Result<String> {
    if arg != "-" {
        return Ok(arg);
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read standard input as UTF-8 text")?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}
