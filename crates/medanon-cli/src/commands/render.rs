//! `render`: one frame of a DICOM file to a PNG.

use anyhow::{Context, Result, bail};
use medanon::pixels::{RenderOptions, render as render_object};
use medanon::tags::{Limits, open_dicom};

use crate::cli::RenderArgs;

/// `medanon render`.
pub fn render(args: &RenderArgs) -> Result<()> {
    if !args.force && args.out.exists() {
        bail!(
            "{} already exists (use --force to replace it)",
            args.out.display()
        );
    }
    let object = open_dicom(&args.file, &Limits::default())?;
    let options = RenderOptions {
        frame: args.frame,
        window: args.window,
    };
    let image =
        render_object(&object, &options).with_context(|| args.file.display().to_string())?;
    image
        .write_png(&args.out, args.force)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(())
}
