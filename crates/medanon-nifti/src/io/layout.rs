//! The byte layout of the NIfTI-1 (348 bytes) and NIfTI-2 (540 bytes)
//! headers and of header extensions. Parsing reads either byte order;
//! writing is little-endian, with every field the standard leaves unused
//! zeroed, so nothing from an input header survives unless it is a field
//! of [`NiftiHeader`].

use super::Fault;
use super::meta::{Extension, NiftiHeader, NiftiVersion, TextField};

/// Size of a NIfTI-1 header.
pub(crate) const N1_SIZE: usize = 348;
/// Size of a NIfTI-2 header.
pub(crate) const N2_SIZE: usize = 540;
/// The four bytes after a NIfTI-2 magic's `n+2\0` (transfer-corruption check).
const N2_MAGIC_TAIL: [u8; 4] = [b'\r', b'\n', 0x1a, b'\n'];

/// A parsed header: the kept fields plus what locates and shapes the data.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub header: NiftiHeader,
    pub big_endian: bool,
    /// Magic `n+1` / `n+2`: data in the same file (else a `.hdr`/`.img` pair).
    pub single_file: bool,
    pub datatype: i16,
    pub dim: [i64; 8],
    pub vox_offset: f64,
}

impl Parsed {
    /// The header's size in bytes.
    pub fn size(&self) -> usize {
        header_size(self.header.version)
    }
}

/// The header size of a version.
pub(crate) fn header_size(version: NiftiVersion) -> usize {
    match version {
        NiftiVersion::Nifti1 => N1_SIZE,
        NiftiVersion::Nifti2 => N2_SIZE,
    }
}

/// Version and byte order from `sizeof_hdr` (the first four bytes).
pub(crate) fn detect(prefix: &[u8]) -> Result<(NiftiVersion, bool), Fault> {
    let Some(first) = prefix.first_chunk::<4>() else {
        return Err(Fault::NotNifti(format!(
            "only {} bytes, shorter than any header",
            prefix.len()
        )));
    };
    let (le, be) = (i32::from_le_bytes(*first), i32::from_be_bytes(*first));
    match (le, be) {
        (348, _) => Ok((NiftiVersion::Nifti1, false)),
        (_, 348) => Ok((NiftiVersion::Nifti1, true)),
        (540, _) => Ok((NiftiVersion::Nifti2, false)),
        (_, 540) => Ok((NiftiVersion::Nifti2, true)),
        _ => Err(Fault::NotNifti(
            "sizeof_hdr is neither 348 (NIfTI-1) nor 540 (NIfTI-2)".into(),
        )),
    }
}

/// Fixed-offset reads in the header's byte order; `bytes` is at least
/// the header's size (checked by [`parse`]).
struct Fields<'a> {
    bytes: &'a [u8],
    big: bool,
}

impl Fields<'_> {
    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes[at..at + N]);
        if self.big {
            out.reverse();
        }
        out
    }
    fn i16(&self, at: usize) -> i16 {
        i16::from_le_bytes(self.array(at))
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.array(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.array(at))
    }
    fn f32(&self, at: usize) -> f64 {
        f64::from(f32::from_le_bytes(self.array(at)))
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.array(at))
    }
    fn text(&self, at: usize, field: TextField) -> Vec<u8> {
        let raw = &self.bytes[at..at + field.capacity()];
        let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        raw[..end].to_vec()
    }
}

/// Parses a header from its first bytes (at least its size).
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, Fault> {
    let (version, big) = detect(bytes)?;
    let size = header_size(version);
    if bytes.len() < size {
        return Err(Fault::NotNifti(format!(
            "truncated header: {} of {size} bytes",
            bytes.len()
        )));
    }
    let f = Fields { bytes, big };
    let (magic_at, single, pair) = match version {
        NiftiVersion::Nifti1 => (344, b"n+1\0", b"ni1\0"),
        NiftiVersion::Nifti2 => (4, b"n+2\0", b"ni2\0"),
    };
    let magic = &bytes[magic_at..magic_at + 4];
    let single_file = if magic == single {
        true
    } else if magic == pair {
        false
    } else {
        return Err(Fault::NotNifti(
            "no NIfTI magic (Analyze 7.5 headers are not supported)".into(),
        ));
    };
    if version == NiftiVersion::Nifti2 && bytes[8..12] != N2_MAGIC_TAIL {
        return Err(Fault::Corrupt(
            "NIfTI-2 magic damaged (file transferred as text?)".into(),
        ));
    }
    Ok(match version {
        NiftiVersion::Nifti1 => parse_n1(&f, single_file),
        NiftiVersion::Nifti2 => parse_n2(&f, single_file),
    })
}

fn parse_n1(f: &Fields<'_>, single_file: bool) -> Parsed {
    let header = NiftiHeader {
        version: NiftiVersion::Nifti1,
        dim_info: f.bytes[39],
        intent_code: i32::from(f.i16(68)),
        intent_params: std::array::from_fn(|i| f.f32(56 + 4 * i)),
        slice_code: i32::from(f.bytes[122]),
        slice_start: i64::from(f.i16(74)),
        slice_end: i64::from(f.i16(120)),
        slice_duration: f.f32(132),
        pixdim: std::array::from_fn(|i| f.f32(76 + 4 * i)),
        scl_slope: f.f32(112),
        scl_inter: f.f32(116),
        cal_max: f.f32(124),
        cal_min: f.f32(128),
        toffset: f.f32(136),
        xyzt_units: i32::from(f.bytes[123]),
        qform_code: i32::from(f.i16(252)),
        sform_code: i32::from(f.i16(254)),
        quatern: std::array::from_fn(|i| f.f32(256 + 4 * i)),
        qoffset: std::array::from_fn(|i| f.f32(268 + 4 * i)),
        srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f32(280 + 16 * r + 4 * c))),
        descrip: f.text(148, TextField::Descrip),
        aux_file: f.text(228, TextField::AuxFile),
        intent_name: f.text(328, TextField::IntentName),
        db_name: f.text(14, TextField::DbName),
        data_type: f.text(4, TextField::DataType),
    };
    Parsed {
        header,
        big_endian: f.big,
        single_file,
        datatype: f.i16(70),
        dim: std::array::from_fn(|i| i64::from(f.i16(40 + 2 * i))),
        vox_offset: f.f32(108),
    }
}

fn parse_n2(f: &Fields<'_>, single_file: bool) -> Parsed {
    let header = NiftiHeader {
        version: NiftiVersion::Nifti2,
        dim_info: f.bytes[524],
        intent_code: f.i32(504),
        intent_params: std::array::from_fn(|i| f.f64(80 + 8 * i)),
        slice_code: f.i32(496),
        slice_start: f.i64(224),
        slice_end: f.i64(232),
        slice_duration: f.f64(208),
        pixdim: std::array::from_fn(|i| f.f64(104 + 8 * i)),
        scl_slope: f.f64(176),
        scl_inter: f.f64(184),
        cal_max: f.f64(192),
        cal_min: f.f64(200),
        toffset: f.f64(216),
        xyzt_units: f.i32(500),
        qform_code: f.i32(344),
        sform_code: f.i32(348),
        quatern: std::array::from_fn(|i| f.f64(352 + 8 * i)),
        qoffset: std::array::from_fn(|i| f.f64(376 + 8 * i)),
        srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f64(400 + 32 * r + 8 * c))),
        descrip: f.text(240, TextField::Descrip),
        aux_file: f.text(320, TextField::AuxFile),
        intent_name: f.text(508, TextField::IntentName),
        db_name: Vec::new(),
        data_type: Vec::new(),
    };
    Parsed {
        header,
        big_endian: f.big,
        single_file,
        datatype: f.i16(12),
        dim: std::array::from_fn(|i| f.i64(16 + 8 * i)),
        vox_offset: f.i64(168) as f64,
    }
}

/// What the writer puts in the header besides [`NiftiHeader`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub datatype: i16,
    pub bitpix: i16,
    pub dim: [i64; 8],
    pub vox_offset: u64,
}

/// Little-endian field writes into a zeroed buffer.
struct Out(Vec<u8>);

impl Out {
    fn put(&mut self, at: usize, bytes: &[u8]) {
        self.0[at..at + bytes.len()].copy_from_slice(bytes);
    }
    fn text(&mut self, at: usize, h: &NiftiHeader, field: TextField) {
        let text = h.text(field);
        self.put(at, &text[..text.len().min(field.capacity())]);
    }
}

fn narrow<T: TryFrom<i64>>(value: i64, name: &str) -> Result<T, String> {
    T::try_from(value)
        .map_err(|_| format!("{name} = {value} does not fit in NIfTI-1; write NIfTI-2"))
}

/// A single-file header (magic `n+1` / `n+2`) for `version`.
pub(crate) fn serialize(
    h: &NiftiHeader,
    version: NiftiVersion,
    frame: &Frame,
) -> Result<Vec<u8>, String> {
    match version {
        NiftiVersion::Nifti1 => serialize_n1(h, frame),
        NiftiVersion::Nifti2 => Ok(serialize_n2(h, frame)),
    }
}

fn serialize_n1(h: &NiftiHeader, frame: &Frame) -> Result<Vec<u8>, String> {
    let mut o = Out(vec![0; N1_SIZE]);
    let f32s = |v: f64| (v as f32).to_le_bytes();
    o.put(0, &(N1_SIZE as i32).to_le_bytes());
    o.text(4, h, TextField::DataType);
    o.text(14, h, TextField::DbName);
    o.0[39] = h.dim_info;
    for (i, &d) in frame.dim.iter().enumerate() {
        o.put(40 + 2 * i, &narrow::<i16>(d, "a dimension")?.to_le_bytes());
    }
    for (i, &p) in h.intent_params.iter().enumerate() {
        o.put(56 + 4 * i, &f32s(p));
    }
    let intent_code = narrow::<i16>(i64::from(h.intent_code), "intent_code")?;
    o.put(68, &intent_code.to_le_bytes());
    o.put(70, &frame.datatype.to_le_bytes());
    o.put(72, &frame.bitpix.to_le_bytes());
    o.put(
        74,
        &narrow::<i16>(h.slice_start, "slice_start")?.to_le_bytes(),
    );
    for (i, &p) in h.pixdim.iter().enumerate() {
        o.put(76 + 4 * i, &f32s(p));
    }
    let vox_offset = frame.vox_offset as f32;
    if vox_offset as u64 != frame.vox_offset {
        return Err(format!(
            "vox_offset {} is not exact in NIfTI-1; write NIfTI-2",
            frame.vox_offset
        ));
    }
    o.put(108, &vox_offset.to_le_bytes());
    o.put(112, &f32s(h.scl_slope));
    o.put(116, &f32s(h.scl_inter));
    o.put(120, &narrow::<i16>(h.slice_end, "slice_end")?.to_le_bytes());
    o.0[122] = narrow::<u8>(i64::from(h.slice_code), "slice_code")?;
    o.0[123] = narrow::<u8>(i64::from(h.xyzt_units), "xyzt_units")?;
    o.put(124, &f32s(h.cal_max));
    o.put(128, &f32s(h.cal_min));
    o.put(132, &f32s(h.slice_duration));
    o.put(136, &f32s(h.toffset));
    o.text(148, h, TextField::Descrip);
    o.text(228, h, TextField::AuxFile);
    o.put(
        252,
        &narrow::<i16>(i64::from(h.qform_code), "qform_code")?.to_le_bytes(),
    );
    o.put(
        254,
        &narrow::<i16>(i64::from(h.sform_code), "sform_code")?.to_le_bytes(),
    );
    for (i, &v) in h.quatern.iter().chain(&h.qoffset).enumerate() {
        o.put(256 + 4 * i, &f32s(v));
    }
    for (i, &v) in h.srow.iter().flatten().enumerate() {
        o.put(280 + 4 * i, &f32s(v));
    }
    o.text(328, h, TextField::IntentName);
    o.put(344, b"n+1\0");
    Ok(o.0)
}

fn serialize_n2(h: &NiftiHeader, frame: &Frame) -> Vec<u8> {
    let mut o = Out(vec![0; N2_SIZE]);
    o.put(0, &(N2_SIZE as i32).to_le_bytes());
    o.put(4, b"n+2\0");
    o.put(8, &N2_MAGIC_TAIL);
    o.put(12, &frame.datatype.to_le_bytes());
    o.put(14, &frame.bitpix.to_le_bytes());
    for (i, &d) in frame.dim.iter().enumerate() {
        o.put(16 + 8 * i, &d.to_le_bytes());
    }
    for (i, &p) in h.intent_params.iter().enumerate() {
        o.put(80 + 8 * i, &p.to_le_bytes());
    }
    for (i, &p) in h.pixdim.iter().enumerate() {
        o.put(104 + 8 * i, &p.to_le_bytes());
    }
    o.put(168, &(frame.vox_offset as i64).to_le_bytes());
    let floats = [
        h.scl_slope,
        h.scl_inter,
        h.cal_max,
        h.cal_min,
        h.slice_duration,
        h.toffset,
    ];
    for (i, v) in floats.iter().enumerate() {
        o.put(176 + 8 * i, &v.to_le_bytes());
    }
    o.put(224, &h.slice_start.to_le_bytes());
    o.put(232, &h.slice_end.to_le_bytes());
    o.text(240, h, TextField::Descrip);
    o.text(320, h, TextField::AuxFile);
    o.put(344, &h.qform_code.to_le_bytes());
    o.put(348, &h.sform_code.to_le_bytes());
    for (i, &v) in h.quatern.iter().chain(&h.qoffset).enumerate() {
        o.put(352 + 8 * i, &v.to_le_bytes());
    }
    for (i, &v) in h.srow.iter().flatten().enumerate() {
        o.put(400 + 8 * i, &v.to_le_bytes());
    }
    o.put(496, &h.slice_code.to_le_bytes());
    o.put(500, &h.xyzt_units.to_le_bytes());
    o.put(504, &h.intent_code.to_le_bytes());
    o.text(508, h, TextField::IntentName);
    o.0[524] = h.dim_info;
    o.0
}

/// Parses the extensions in `region` (the bytes after the 4-byte extender
/// up to the data, or to the end of a `.hdr` file). Zero padding after the
/// last extension ends the list.
pub(crate) fn parse_extensions(region: &[u8], big: bool) -> Result<Vec<Extension>, Fault> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(head) = region.get(at..at + 8) {
        let word = |i: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&head[i..i + 4]);
            if big {
                i32::from_be_bytes(b)
            } else {
                i32::from_le_bytes(b)
            }
        };
        let (esize, code) = (word(0), word(4));
        if esize == 0 && code == 0 {
            break;
        }
        let end = usize::try_from(esize)
            .ok()
            .filter(|&size| size >= 8)
            .and_then(|size| at.checked_add(size))
            .filter(|&end| end <= region.len())
            .ok_or_else(|| {
                Fault::Corrupt(format!(
                    "header extension {} (code {code}) claims {esize} bytes, {} are left",
                    out.len() + 1,
                    region.len() - at
                ))
            })?;
        out.push(Extension {
            code,
            data: region[at + 8..end].to_vec(),
        });
        at = end;
    }
    Ok(out)
}

/// The extender and the extensions, each padded to a multiple of 16 bytes.
pub(crate) fn serialize_extensions(extensions: &[Extension]) -> Result<Vec<u8>, String> {
    let mut out = vec![u8::from(!extensions.is_empty()), 0, 0, 0];
    for ext in extensions {
        let size = (ext.data.len() + 8).next_multiple_of(16);
        let esize = i32::try_from(size)
            .map_err(|_| format!("header extension of {size} bytes is too large"))?;
        out.extend_from_slice(&esize.to_le_bytes());
        out.extend_from_slice(&ext.code.to_le_bytes());
        out.extend_from_slice(&ext.data);
        out.resize(out.len() + size - 8 - ext.data.len(), 0);
    }
    Ok(out)
}
