//! What the commands that process many files share: finding the input files,
//! checking the output directory, reading a file, describing a failure
//! without its path, worker threads, progress and the summary.

use std::fs;
use std::io::Read;
use std::num::NonZeroUsize;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use medanon::tags::{Error, Limits};

/// One input file.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where to read it.
    pub path: PathBuf,
    /// Its path relative to IN (its file name when IN is a file).
    pub rel: PathBuf,
}

/// The files of an input tree.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Regular files, sorted by path.
    pub files: Vec<Input>,
    /// Symbolic links and special files that were not read.
    pub not_followed: usize,
    /// Parts of the tree that could not be listed: (message with the path,
    /// message without it).
    pub unlisted: Vec<(String, String)>,
}

/// Lists every regular file under `root` (or `root` itself when it is a
/// file), without following symbolic links below it.
pub fn find_inputs(root: &Path) -> Result<Inputs> {
    let meta =
        fs::metadata(root).with_context(|| format!("cannot read input {}", root.display()))?;
    let mut inputs = Inputs::default();
    if !meta.is_dir() {
        if !meta.is_file() {
            bail!("input {} is not a file or a directory", root.display());
        }
        let name = root
            .file_name()
            .with_context(|| format!("input {} has no file name", root.display()))?;
        inputs.files.push(Input {
            path: root.to_owned(),
            rel: PathBuf::from(name),
        });
        return Ok(inputs);
    }
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .map(Path::to_owned)
                    .unwrap_or_else(|_| PathBuf::from(entry.file_name()));
                inputs.files.push(Input {
                    path: entry.into_path(),
                    rel,
                });
            }
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(_) => inputs.not_followed += 1,
            Err(err) => {
                let kind = err
                    .io_error()
                    .map_or_else(|| "a symbolic link loop".to_owned(), ToString::to_string);
                inputs
                    .unlisted
                    .push((err.to_string(), format!("cannot list a directory: {kind}")));
            }
        }
    }
    Ok(inputs)
}

/// Refuses an output directory that is IN, inside IN or around IN, that is
/// not a directory, or that is not empty (unless `force`).
pub fn check_output_dir(input: &Path, out: &Path, force: bool) -> Result<()> {
    let input_abs = fs::canonicalize(input)
        .with_context(|| format!("cannot read input {}", input.display()))?;
    let out_abs = resolve(out)?;
    if out_abs == input_abs {
        bail!(
            "output {} is the input: medanon never writes in place; choose a new directory",
            out.display()
        );
    }
    if out_abs.starts_with(&input_abs) {
        bail!(
            "output {} is inside the input {}; choose a directory outside it",
            out.display(),
            input.display()
        );
    }
    if input_abs.starts_with(&out_abs) {
        bail!(
            "output {} contains the input {}; choose a directory outside it",
            out.display(),
            input.display()
        );
    }
    match fs::metadata(out) {
        Ok(meta) if !meta.is_dir() => {
            bail!("output {} exists and is not a directory", out.display())
        }
        Ok(_) => {
            let mut entries = fs::read_dir(out)
                .with_context(|| format!("cannot read output directory {}", out.display()))?;
            if !force && entries.next().is_some() {
                bail!(
                    "output directory {} is not empty (--force writes into it and replaces \
                     existing files)",
                    out.display()
                );
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => bail!("cannot read output {}: {err}", out.display()),
    }
    Ok(())
}

/// Refuses a file the run writes beside its outputs (the audit log) when it
/// lies inside IN, or exists and `force` is not given.
pub fn check_side_file(input: &Path, file: &Path, force: bool, what: &str) -> Result<()> {
    let input_abs = fs::canonicalize(input)
        .with_context(|| format!("cannot read input {}", input.display()))?;
    if resolve(file)?.starts_with(&input_abs) {
        bail!(
            "{what} {} is inside the input {}; inputs are never modified",
            file.display(),
            input.display()
        );
    }
    if !force && fs::symlink_metadata(file).is_ok() {
        bail!(
            "{what} {} already exists (--force replaces it)",
            file.display()
        );
    }
    Ok(())
}

/// `path` made absolute, its existing part with symbolic links resolved and
/// the rest (which does not exist yet) normalized by its text.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path)
        .with_context(|| format!("cannot resolve path {}", path.display()))?;
    let mut existing = PathBuf::new();
    let mut components = abs.components().peekable();
    while let Some(component) = components.peek() {
        let next = existing.join(component);
        if fs::symlink_metadata(&next).is_err() {
            break;
        }
        existing = next;
        components.next();
    }
    let mut resolved = fs::canonicalize(&existing)
        .with_context(|| format!("cannot resolve path {}", existing.display()))?;
    for component in components {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => resolved.push(name),
            _ => {}
        }
    }
    Ok(resolved)
}

/// Reads a whole input file, refusing one larger than the default limit.
/// The error message does not name the file.
pub fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    let max = Limits::default().max_file_bytes;
    let file = fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!("the file exceeds a limit: more than {max} bytes"));
    }
    Ok(bytes)
}

/// What went wrong, without the file's path (for the audit log, which must
/// not hold input names). `path` is removed from messages this function
/// does not know.
pub fn describe(err: &Error, path: &Path) -> String {
    match err {
        Error::ReadInput { source, .. } => format!("cannot read the file: {source}"),
        Error::NotDicom { .. } => "not a DICOM file".to_owned(),
        Error::Parse { reason, .. } => format!("cannot parse the file: {reason}"),
        Error::LimitExceeded { reason, .. } => format!("the file exceeds a limit: {reason}"),
        Error::Unsupported { reason, .. } => format!("cannot de-identify the file: {reason}"),
        Error::Write { reason, .. } => format!("cannot write the output: {reason}"),
        Error::OutputExists { .. } => "the output file already exists (another input has the \
             same output path, for example the same SOP Instance UID; --force replaces it)"
            .to_owned(),
        Error::OutputIsInput { .. } => "the output would be written over its input".to_owned(),
        Error::Crypto(e) => format!("encryption failed: {e}"),
        Error::Reidentify { reason, .. } => format!("cannot re-identify the file: {reason}"),
        Error::Internal { .. } => {
            "internal error while processing the file (please report it)".to_owned()
        }
        other => {
            let text = other.to_string();
            let shown = path.display().to_string();
            if shown.is_empty() {
                text
            } else {
                text.replace(&shown, "<input>")
            }
        }
    }
}

/// A path component made of `[A-Za-z0-9._-]` only: other characters become
/// `_`, a leading dot too (no hidden names, no `.` or `..`), at most 128
/// characters, `unknown` when empty.
pub fn sanitize_component(text: &str) -> String {
    let mut clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(128)
        .collect();
    if clean.starts_with('.') {
        clean.replace_range(..1, "_");
    }
    if clean.is_empty() {
        clean.push_str("unknown");
    }
    clean
}

/// A relative path as text with `/` separators (for the audit log).
pub fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A pool of `jobs` worker threads (the number of CPUs by default).
pub fn thread_pool(jobs: Option<NonZeroUsize>) -> Result<rayon::ThreadPool> {
    let threads = jobs
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")
}

/// Counts of a run, updated from every worker thread.
#[derive(Debug)]
pub struct Counters {
    /// Files written.
    pub ok: AtomicU64,
    /// Files that are not DICOM.
    pub skipped: AtomicU64,
    /// Files that failed.
    pub failed: AtomicU64,
    /// Bytes read from input files (each pass counts).
    pub bytes: AtomicU64,
    started: Instant,
}

impl Counters {
    /// Zero counts, the clock started.
    pub fn new() -> Self {
        Counters {
            ok: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Failed files so far.
    pub fn failures(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// The summary: files processed, skipped and failed, bytes read, time
    /// and throughput. `done` names what happened to the files processed.
    pub fn summary(&self, done: &str) -> String {
        let ok = self.ok.load(Ordering::Relaxed);
        let skipped = self.skipped.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let files = ok + skipped + failed;
        let mb = bytes as f64 / 1e6;
        format!(
            "medanon: {files} files: {ok} {done}, {skipped} skipped (not DICOM, or read with their image), {failed} \
             failed; {mb:.1} MB read in {secs:.2} s ({:.1} files/s, {:.1} MB/s)",
            files as f64 / secs,
            mb / secs
        )
    }
}

/// A progress bar on standard error when it is a terminal (and not
/// `--quiet`); messages printed through it do not break the bar.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` files labelled `label`, hidden when `quiet` or when
    /// standard error is not a terminal.
    pub fn new(total: usize, label: &str, quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} files ({per_sec}, eta {eta})",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        };
        Progress { bar }
    }

    /// One more file done.
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// Prints `medanon: error: {message}` above the bar.
    pub fn error(&self, message: &str) {
        self.bar
            .suspend(|| eprintln!("medanon: error: {}", printable(message)));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `text` with control characters (terminal escape sequences from a
/// hostile file or file name) replaced.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_safe_characters_only() {
        assert_eq!(sanitize_component("2.25.123"), "2.25.123");
        assert_eq!(sanitize_component("DOE^JOHN/x y"), "DOE_JOHN_x_y");
        assert_eq!(sanitize_component(""), "unknown");
        assert_eq!(sanitize_component(".."), "_.");
        assert_eq!(sanitize_component("."), "_");
        assert_eq!(sanitize_component("é"), "_");
        assert_eq!(sanitize_component(&"a".repeat(300)).len(), 128);
    }

    #[test]
    fn resolve_normalizes_missing_parts() {
        let dir = std::env::temp_dir();
        let base = fs::canonicalize(&dir).unwrap_or(dir.clone());
        let resolved = resolve(&dir.join("no-such-medanon-dir/a/../b")).unwrap_or_default();
        assert_eq!(resolved, base.join("no-such-medanon-dir/b"));
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
