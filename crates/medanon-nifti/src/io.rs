//! Reading and writing NIfTI-1 and NIfTI-2 images: `.nii`, `.nii.gz` and
//! `.hdr`/`.img` pairs, either byte order, every integer and float type.
//!
//! One parser serves both versions (the `nifti` crate reads NIfTI-1 only)
//! and treats its input as hostile: the header is checked (dimensions
//! positive and their product in range, datatype known, `pixdim` and the
//! chosen affine finite, `vox_offset` inside the file) and the data's size
//! is matched against the file's before anything large is allocated. A
//! compressed stream is read only as far as the header says the image goes,
//! and never beyond [`ReadOptions`]' limits.
//!
//! **Affine** (nibabel's rule): the sform if `sform_code > 0`, else the
//! qform if `qform_code > 0`, else `diag(−pixdim[1], pixdim[2], pixdim[3])`
//! centred on the middle voxel (see [`NiftiHeader::best_affine`]).
//!
//! **Scaling**: values are `stored × scl_slope + scl_inter` when
//! `scl_slope` is finite and non-zero, the stored values otherwise. On
//! write, floats are stored unscaled (slope 1, intercept 0). Integer types
//! keep the header's slope and intercept when every value is exactly
//! representable with them (so a read–write round trip reproduces the
//! stored integers), else use 1 and 0 when the values are integers in the
//! type's range, else (as nibabel does for float data) map the data's
//! range onto the type's, rounding to the nearest step; NaN becomes 0.
//! RGB24 is written as gray `(v, v, v)`, rounded and clamped to 0–255 (it
//! reads as Rec. 601 luma).

mod data;
mod layout;
mod meta;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::bufread::MultiGzDecoder;
use flate2::write::GzEncoder;
use ndarray::Array4;

use crate::error::{Error, Result};
use crate::volume::{StoredType, Volume};

pub use self::meta::{
    Extension, NiftiHeader, NiftiVersion, TextField, XFORM_ALIGNED, extension_code_name,
};

/// A problem found in a file, before the path is attached.
#[derive(Debug)]
pub(crate) enum Fault {
    NotNifti(String),
    Corrupt(String),
    Unsupported(String),
}

impl Fault {
    fn at(self, path: &Path) -> Error {
        let path = path.to_path_buf();
        match self {
            Fault::NotNifti(reason) => Error::NotNifti { path, reason },
            Fault::Corrupt(reason) => Error::Corrupt { path, reason },
            Fault::Unsupported(reason) => Error::Unsupported { path, reason },
        }
    }
}

/// Limits on what reading a file may allocate, checked before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Most voxels an image may have (default 2²⁹, 2 GiB as `f32`).
    pub max_voxels: u64,
    /// Most bytes of header extensions (default 64 MiB).
    pub max_extension_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_voxels: 1 << 29,
            max_extension_bytes: 64 << 20,
        }
    }
}

impl ReadOptions {
    /// No limits but what the numbers can express (for trusted files only).
    pub fn no_limits() -> Self {
        ReadOptions {
            max_voxels: u64::MAX,
            max_extension_bytes: u64::MAX,
        }
    }
}

/// How to write an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// NIfTI-1 or NIfTI-2.
    pub version: NiftiVersion,
    /// Replace an existing file (otherwise that is an error).
    pub overwrite: bool,
}

/// A NIfTI image: the volume, the rest of its header, and its extensions.
#[derive(Debug, Clone, PartialEq)]
pub struct NiftiImage {
    /// Voxel values (scaled, `f32`) and the affine.
    pub volume: Volume,
    /// The other header fields, to write the image back as it came.
    pub header: NiftiHeader,
    /// Header extensions, in file order.
    pub extensions: Vec<Extension>,
}

impl NiftiImage {
    /// A new image of `volume`: a default header (no text) whose sform (and
    /// qform, when the affine has no shear) is the volume's affine.
    pub fn new(volume: Volume) -> Self {
        let mut header = NiftiHeader::default();
        header.set_affine(&volume.affine);
        header.pixdim[4] = f64::from(volume.time_step);
        NiftiImage {
            volume,
            header,
            extensions: Vec::new(),
        }
    }
}

/// An image as stored: header, extensions and the voxel bytes
/// (little-endian, file order), for lossless rewriting.
#[derive(Debug, Clone)]
pub(crate) struct RawImage {
    pub header: NiftiHeader,
    pub extensions: Vec<Extension>,
    pub stored: StoredType,
    /// `[i, j, k, t]`.
    pub shape: [usize; 4],
    pub ndim: u8,
    pub data: Vec<u8>,
}

/// Reads a NIfTI-1 or NIfTI-2 image (`.nii`, `.nii.gz`, or either file of
/// a `.hdr`/`.img` pair, compressed or not) with the default [`ReadOptions`].
///
/// # Errors
/// [`Error::Read`] when a file cannot be read, [`Error::NotNifti`] when it
/// is not NIfTI, [`Error::Corrupt`] for an inconsistent header or truncated
/// data, [`Error::Unsupported`] for complex, RGBA or 5-D+ images and images
/// over the limits.
///
/// # Example
///
/// ```
/// use medanon_nifti::{Affine, NiftiImage, NiftiVersion, Volume, read_volume, write_volume};
///
/// let data = ndarray::Array3::from_elem((4, 4, 2), 7.0);
/// let volume = Volume::from_3d(data, Affine::scaling([1.0, 1.0, 2.5]));
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("example.nii.gz");
/// write_volume(&path, &NiftiImage::new(volume.clone()), NiftiVersion::Nifti2)?;
/// let back = read_volume(&path)?;
/// assert_eq!(back.volume, volume);
/// assert_eq!(back.header.sform_code, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_volume(path: impl AsRef<Path>) -> Result<NiftiImage> {
    read_volume_with(path, &ReadOptions::default())
}

/// [`read_volume`] with explicit limits.
///
/// # Errors
/// As [`read_volume`].
pub fn read_volume_with(path: impl AsRef<Path>, options: &ReadOptions) -> Result<NiftiImage> {
    let path = path.as_ref();
    let raw = read_raw(path, options)?;
    let h = &raw.header;
    let scaling = data::read_scaling(raw.stored, h.scl_slope, h.scl_inter);
    let values = data::decode(&raw.data, raw.stored, false, scaling, raw.shape);
    let [ni, nj, nk, nt] = raw.shape;
    let data = Array4::from_shape_vec((ni, nj, nk, nt), values)
        .map_err(|e| Fault::Corrupt(format!("voxel count: {e}")).at(path))?;
    let volume = Volume {
        data,
        affine: h.best_affine([ni, nj, nk]),
        ndim: raw.ndim,
        stored: raw.stored,
        time_step: if raw.ndim >= 4 {
            h.pixdim[4] as f32
        } else {
            0.0
        },
    };
    Ok(NiftiImage {
        volume,
        header: raw.header,
        extensions: raw.extensions,
    })
}

/// Writes `image` to `path` (`.nii`, or `.nii.gz` compressed) as `version`,
/// atomically, refusing to replace an existing file.
///
/// # Errors
/// As [`write_volume_with`].
pub fn write_volume(
    path: impl AsRef<Path>,
    image: &NiftiImage,
    version: NiftiVersion,
) -> Result<()> {
    let options = WriteOptions {
        version,
        overwrite: false,
    };
    write_volume_with(path, image, &options)
}

/// Writes `image` to `path` in its stored type (see the module doc for
/// scaling): through a temporary file beside it and a rename, so the file
/// is whole or absent. The header's sform and qform (codes and matrices)
/// are kept while the volume's affine is still theirs; otherwise both are
/// set from the volume's affine ([`NiftiHeader::set_affine`]).
///
/// # Errors
/// [`Error::InvalidArgument`] for an empty volume or a non-finite affine;
/// [`Error::Write`] when the name is not `.nii`/`.nii.gz`, the file exists
/// (without `overwrite`), a value does not fit NIfTI-1, or writing fails.
pub fn write_volume_with(
    path: impl AsRef<Path>,
    image: &NiftiImage,
    options: &WriteOptions,
) -> Result<()> {
    let path = path.as_ref();
    let volume = &image.volume;
    let (ni, nj, nk, nt) = volume.data.dim();
    if ni * nj * nk * nt == 0 {
        return Err(Error::InvalidArgument("the volume has no voxels".into()));
    }
    if volume.affine.0.iter().flatten().any(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(
            "the affine has non-finite values".into(),
        ));
    }
    let mut header = image.header.clone();
    if !meta::affines_match(&header.best_affine([ni, nj, nk]), &volume.affine) {
        header.set_affine(&volume.affine);
    }
    let ndim = if nt > 1 || volume.ndim >= 4 { 4 } else { 3 };
    if ndim == 4 {
        header.pixdim[4] = f64::from(volume.time_step);
    }
    let (slope, inter) = if data::is_integer(volume.stored) {
        data::choose_scaling(
            &volume.data,
            volume.stored,
            header.scl_slope,
            header.scl_inter,
        )
    } else {
        (1.0, 0.0)
    };
    (header.scl_slope, header.scl_inter) = (slope, inter);
    let raw = RawImage {
        header,
        extensions: image.extensions.clone(),
        stored: volume.stored,
        shape: [ni, nj, nk, nt],
        ndim,
        data: data::encode(&volume.data, volume.stored, slope, inter),
    };
    write_raw(path, &raw, options)
}

/// Writes a raw image (data unchanged) as a single `.nii` / `.nii.gz` file.
pub(crate) fn write_raw(path: &Path, raw: &RawImage, options: &WriteOptions) -> Result<()> {
    let fail = |reason: String| Error::Write {
        path: path.to_path_buf(),
        reason,
    };
    let gzip = match output_kind(path) {
        Some(gzip) => gzip,
        None => return Err(fail("the name must end in .nii or .nii.gz".into())),
    };
    let mut dim = [1i64; 8];
    dim[0] = i64::from(raw.ndim);
    for (d, &n) in dim[1..5].iter_mut().zip(&raw.shape) {
        *d = i64::try_from(n).map_err(|_| fail(format!("dimension {n} is too large")))?;
    }
    let extensions = layout::serialize_extensions(&raw.extensions).map_err(fail)?;
    let size = layout::header_size(options.version);
    let frame = layout::Frame {
        datatype: raw.stored.code(),
        bitpix: (data::voxel_bytes(raw.stored) * 8) as i16,
        dim,
        vox_offset: (size + extensions.len()) as u64,
    };
    let header = layout::serialize(&raw.header, options.version, &frame).map_err(fail)?;
    write_atomic(
        path,
        options.overwrite,
        gzip,
        &[&header, &extensions, &raw.data],
    )
}

/// `Some(compressed)` for a `.nii` / `.nii.gz` name, else `None`.
pub(crate) fn output_kind(path: &Path) -> Option<bool> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".nii.gz") {
        Some(true)
    } else if name.ends_with(".nii") {
        Some(false)
    } else {
        None
    }
}

/// Writes `parts` (gzip-compressed when `gzip`) to `path` atomically with
/// [`medanon_tags::atomic_write`]: a temporary file beside it, then a move
/// that does not replace an existing file unless `overwrite`. No partial
/// file is left.
pub(crate) fn write_atomic(
    path: &Path,
    overwrite: bool,
    gzip: bool,
    parts: &[&[u8]],
) -> Result<()> {
    medanon_tags::atomic_write(path, overwrite, |out| {
        if gzip {
            let mut gz = GzEncoder::new(out, Compression::default());
            for part in parts {
                gz.write_all(part)?;
            }
            gz.finish()?;
        } else {
            for part in parts {
                out.write_all(part)?;
            }
        }
        Ok(())
    })
    .map_err(|e| Error::Write {
        path: path.to_path_buf(),
        reason: match e {
            medanon_tags::Error::OutputExists { .. } => {
                "the file exists (overwriting was not asked for)".to_owned()
            }
            medanon_tags::Error::Write { reason, .. } => reason,
            other => other.to_string(),
        },
    })
}

/// An open input, decompressed when it starts with the gzip magic.
struct Source {
    reader: Box<dyn Read>,
    compressed: bool,
    /// The file's size on disk.
    file_len: u64,
}

fn open(path: &Path) -> Result<Source> {
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let file_len = file.metadata().map_err(read_err)?.len();
    let mut buffered = BufReader::with_capacity(1 << 16, file);
    let compressed = buffered
        .fill_buf()
        .map_err(read_err)?
        .starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if compressed {
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    Ok(Source {
        reader,
        compressed,
        file_len,
    })
}

impl Source {
    /// Appends exactly `len` bytes to `out`, or fails as truncated.
    fn read_exact_into(&mut self, out: &mut Vec<u8>, len: u64, path: &Path) -> Result<()> {
        // Grow as data arrives for a compressed stream (its size is unknown
        // until read); reserve at once for a file whose size was checked.
        let reserve = if self.compressed {
            len.min(64 << 20)
        } else {
            len
        };
        out.try_reserve_exact(usize::try_from(reserve).unwrap_or(usize::MAX))
            .map_err(|_| Fault::Unsupported(format!("cannot allocate {len} bytes")).at(path))?;
        let before = out.len() as u64;
        (&mut self.reader)
            .take(len)
            .read_to_end(out)
            .map_err(|e| self.read_error(e, path))?;
        let got = out.len() as u64 - before;
        if got < len {
            return Err(Fault::Corrupt(format!(
                "truncated: {got} of {len} bytes{}",
                if self.compressed {
                    " after decompression"
                } else {
                    ""
                }
            ))
            .at(path));
        }
        Ok(())
    }

    /// Reads and drops `len` bytes (data before `vox_offset` of a `.img`).
    fn skip(&mut self, len: u64, path: &Path) -> Result<()> {
        let got = std::io::copy(&mut (&mut self.reader).take(len), &mut std::io::sink())
            .map_err(|e| self.read_error(e, path))?;
        if got < len {
            return Err(
                Fault::Corrupt(format!("truncated: vox_offset {len} is past the end")).at(path),
            );
        }
        Ok(())
    }

    fn read_error(&self, e: std::io::Error, path: &Path) -> Error {
        use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
        if self.compressed && matches!(e.kind(), InvalidData | InvalidInput | UnexpectedEof) {
            Fault::Corrupt(format!("gzip stream: {e}")).at(path)
        } else {
            Error::Read {
                path: path.to_path_buf(),
                source: e,
            }
        }
    }
}

/// Checked geometry of a parsed header.
struct Geometry {
    stored: StoredType,
    shape: [usize; 4],
    ndim: u8,
    data_bytes: u64,
}

fn geometry(p: &layout::Parsed, options: &ReadOptions) -> Result<Geometry, Fault> {
    let dim = &p.dim;
    let dim0 = usize::try_from(dim[0])
        .ok()
        .filter(|d| (1..=7).contains(d))
        .ok_or_else(|| Fault::Corrupt(format!("dim[0] = {} is not between 1 and 7", dim[0])))?;
    if let Some(i) = (1..=dim0).find(|&i| dim[i] < 1) {
        return Err(Fault::Corrupt(format!(
            "dim[{i}] = {} is not positive",
            dim[i]
        )));
    }
    if dim0 > 4 && dim[5..=dim0].iter().any(|&d| d != 1) {
        return Err(Fault::Unsupported(format!(
            "{dim0}-D images (dim[5..] > 1) are not supported, only 3-D and 4-D"
        )));
    }
    let stored = StoredType::from_code(p.datatype).ok_or_else(|| {
        let name = match p.datatype {
            1 => "binary",
            32 => "complex64",
            1536 => "float128",
            1792 => "complex128",
            2048 => "complex256",
            2304 => "RGBA32",
            _ => "unknown",
        };
        Fault::Unsupported(format!("datatype {} ({name})", p.datatype))
    })?;
    let mut shape = [1usize; 4];
    let mut voxels: u64 = 1;
    for (axis, size) in shape.iter_mut().enumerate().take(dim0.min(4)) {
        let d = dim[axis + 1];
        *size = usize::try_from(d)
            .map_err(|_| Fault::Corrupt(format!("dimension {d} is too large")))?;
        voxels = voxels
            .checked_mul(d as u64)
            .ok_or_else(|| Fault::Corrupt("the dimensions' product overflows".into()))?;
    }
    if voxels > options.max_voxels || usize::try_from(voxels).is_err() {
        return Err(Fault::Unsupported(format!(
            "{voxels} voxels, over the limit of {} (ReadOptions::max_voxels)",
            options.max_voxels
        )));
    }
    let data_bytes = voxels
        .checked_mul(data::voxel_bytes(stored) as u64)
        .ok_or_else(|| Fault::Corrupt("the data size overflows".into()))?;
    if let Some(i) = (0..=dim0.min(4)).find(|&i| !p.header.pixdim[i].is_finite()) {
        return Err(Fault::Corrupt(format!("pixdim[{i}] is not finite")));
    }
    let affine = p.header.best_affine([shape[0], shape[1], shape[2]]);
    if affine.0.iter().flatten().any(|v| !v.is_finite()) {
        let which = if p.header.sform_code > 0 {
            "sform"
        } else {
            "qform"
        };
        return Err(Fault::Corrupt(format!("the {which} has non-finite values")));
    }
    Ok(Geometry {
        stored,
        shape,
        ndim: if dim0 >= 4 { 4 } else { 3 },
        data_bytes,
    })
}

/// Whether the name ends in `.img` or `.img.gz`.
fn is_image_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase());
    name.is_some_and(|n| n.ends_with(".img") || n.ends_with(".img.gz"))
}

/// The other file of a pair: `ext` ("hdr" or "img") in place of the name's
/// extension, in the same case, compressed like the name if that exists.
fn partner(path: &Path, ext: &str) -> PathBuf {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return path.with_extension(ext);
    };
    let gz = name.to_ascii_lowercase().ends_with(".gz");
    let stem = if gz { &name[..name.len() - 3] } else { name };
    let base = stem.rsplit_once('.').map_or(stem, |(base, _)| base);
    let upper = stem.ends_with(|c: char| c.is_ascii_uppercase());
    let ext = if upper {
        ext.to_ascii_uppercase()
    } else {
        ext.to_owned()
    };
    let plain = path.with_file_name(format!("{base}.{ext}"));
    let zipped = path.with_file_name(format!("{base}.{ext}{}", if upper { ".GZ" } else { ".gz" }));
    let (first, second) = if gz { (zipped, plain) } else { (plain, zipped) };
    if !first.exists() && second.exists() {
        second
    } else {
        first
    }
}

/// Reads an image's header, extensions and voxel bytes (made little-endian).
pub(crate) fn read_raw(path: &Path, options: &ReadOptions) -> Result<RawImage> {
    let header_path = if is_image_file(path) {
        partner(path, "hdr")
    } else {
        path.to_path_buf()
    };
    let hp = header_path.as_path();
    let mut src = open(hp)?;
    let mut bytes = Vec::new();
    src.reader
        .by_ref()
        .take(layout::N2_SIZE as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| src.read_error(e, hp))?;
    let parsed = layout::parse(&bytes).map_err(|f| f.at(hp))?;
    let geo = geometry(&parsed, options).map_err(|f| f.at(hp))?;
    let size = parsed.size();
    let offset = parsed.vox_offset;
    if !offset.is_finite() || offset < 0.0 || offset > 2f64.powi(53) {
        return Err(Fault::Corrupt(format!("vox_offset {offset} is invalid")).at(hp));
    }
    let ext_limit = options.max_extension_bytes;
    let extension_bytes = |bytes: &[u8]| -> Result<Vec<Extension>> {
        match bytes.get(size..size + 4) {
            Some(extender) if extender[0] != 0 => {
                layout::parse_extensions(&bytes[size + 4..], parsed.big_endian)
                    .map_err(|f| f.at(hp))
            }
            _ => Ok(Vec::new()),
        }
    };
    let (extensions, mut data) = if parsed.single_file {
        // nibabel: a single file's data never starts inside the header or extender.
        let data_offset = (offset as u64).max(size as u64 + 4);
        let total = data_offset.saturating_add(geo.data_bytes);
        if !src.compressed && src.file_len < total {
            return Err(Fault::Corrupt(format!(
                "truncated: the header needs {total} bytes, the file has {}",
                src.file_len
            ))
            .at(hp));
        }
        if data_offset - size as u64 > ext_limit.saturating_add(4) {
            return Err(Fault::Unsupported(format!(
                "vox_offset {data_offset}: extensions over the limit of {ext_limit} bytes"
            ))
            .at(hp));
        }
        bytes.truncate(usize::try_from(total).unwrap_or(usize::MAX));
        let missing = total - bytes.len() as u64;
        src.read_exact_into(&mut bytes, missing, hp)?;
        let data = bytes.split_off(data_offset as usize);
        (extension_bytes(&bytes)?, data)
    } else {
        let limit = size as u64 + 4 + ext_limit;
        src.reader
            .by_ref()
            .take(limit + 1 - bytes.len() as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| src.read_error(e, hp))?;
        if bytes.len() as u64 > limit {
            return Err(Fault::Unsupported(format!(
                "header file over {limit} bytes (ReadOptions::max_extension_bytes)"
            ))
            .at(hp));
        }
        let extensions = extension_bytes(&bytes)?;
        let image_path = if is_image_file(path) {
            path.to_path_buf()
        } else {
            partner(hp, "img")
        };
        let ip = image_path.as_path();
        let mut image = open(ip)?;
        let offset = offset as u64;
        if !image.compressed && image.file_len < offset.saturating_add(geo.data_bytes) {
            return Err(Fault::Corrupt(format!(
                "truncated: the header needs {} bytes of image, the file has {}",
                offset.saturating_add(geo.data_bytes),
                image.file_len
            ))
            .at(ip));
        }
        image.skip(offset, ip)?;
        let mut data = Vec::new();
        image.read_exact_into(&mut data, geo.data_bytes, ip)?;
        (extensions, data)
    };
    if parsed.big_endian {
        data::swap_bytes(&mut data, geo.stored);
    }
    Ok(RawImage {
        header: parsed.header,
        extensions,
        stored: geo.stored,
        shape: geo.shape,
        ndim: geo.ndim,
        data,
    })
}
