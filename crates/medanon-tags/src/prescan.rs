//! A structural pre-scan of DICOM bytes, before the parser sees them.
//!
//! The parser allocates a value's declared length before reading it, so a
//! corrupt length field makes it allocate gigabytes. This scan walks the
//! element headers (sequences and items included) and rejects any declared
//! length larger than the bytes that remain, with a message naming the
//! attribute. It stops quietly where it cannot follow the structure (an
//! unknown VR, a deflated data set): the parser reports those itself.

use std::path::PathBuf;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_encoding::TransferSyntax;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::error::{Error, Result};

const UNDEFINED: u32 = 0xFFFF_FFFF;
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// Transfer syntaxes with implicit VR: the standard one and GE's private
/// big-endian variant.
const IMPLICIT_VR_UIDS: [&str; 2] = ["1.2.840.10008.1.2", "1.2.840.113619.5.2"];
const MAX_DEPTH: usize = 64;

/// Checks a whole file: the meta group, then the data set under the
/// transfer syntax the meta names.
pub(crate) fn check(bytes: &[u8]) -> Result<()> {
    let start = if bytes.get(128..132) == Some(b"DICM") {
        132
    } else if bytes.get(..4) == Some(b"DICM") {
        4
    } else {
        return Ok(()); // a bare data set: checked per candidate syntax
    };
    let meta = Cursor {
        bytes,
        pos: start,
        explicit: true,
        little: true,
        strict: false,
    };
    let (end, ts_uid) = meta.meta_group().map_err(to_error)?;
    // Without a transfer syntax it knows, the parser would guess: refuse
    // here, and let the caller try the candidate syntaxes (each scanned).
    let ts = ts_uid
        .as_deref()
        .and_then(|uid| TransferSyntaxRegistry.get(uid.trim_end_matches(['\0', ' '])))
        .ok_or_else(|| Error::Parse {
            path: PathBuf::new(),
            reason: "the file meta names no known transfer syntax".to_owned(),
        })?;
    check_dataset(bytes.get(end..).unwrap_or_default(), ts)
}

/// Where the data set starts after the preamble and file meta group, and
/// the Transfer Syntax UID the meta names, if any.
pub(crate) fn meta_end(bytes: &[u8]) -> Option<(usize, Option<String>)> {
    let start = if bytes.get(128..132) == Some(b"DICM") {
        132
    } else if bytes.get(..4) == Some(b"DICM") {
        4
    } else {
        return None;
    };
    Cursor {
        bytes,
        pos: start,
        explicit: true,
        little: true,
        strict: false,
    }
    .meta_group()
    .ok()
    .map(|(end, ts)| (end, ts.map(|t| t.trim_end_matches(['\0', ' ']).to_owned())))
}

/// Checks a data set (no preamble, no meta) under `ts`.
pub(crate) fn check_dataset(bytes: &[u8], ts: &TransferSyntax) -> Result<()> {
    scan_dataset(bytes, ts, false)
}

/// As [`check_dataset`], and also requires the order and vocabulary of a
/// well-formed data set: for data sets read under a guessed transfer syntax,
/// where a wrong guess must fail here rather than mislead the parser.
pub(crate) fn check_guessed_dataset(bytes: &[u8], ts: &TransferSyntax) -> Result<()> {
    scan_dataset(bytes, ts, true)
}

fn scan_dataset(bytes: &[u8], ts: &TransferSyntax, strict: bool) -> Result<()> {
    // A deflated data set is compressed: nothing to scan without inflating it.
    if matches!(ts.codec(), dicom_encoding::Codec::Dataset(_)) {
        return Ok(());
    }
    let mut cursor = Cursor {
        bytes,
        pos: 0,
        explicit: !IMPLICIT_VR_UIDS.contains(&ts.uid()),
        little: ts.endianness() == dicom_encoding::transfer_syntax::Endianness::Little,
        strict,
    };
    cursor.elements(bytes.len(), 0, false).map_err(to_error)
}

/// The error for what the scan found.
fn to_error(found: Found) -> Error {
    match found {
        Found::TooLong {
            tag,
            declared,
            remaining,
        } => Error::Parse {
            path: PathBuf::new(),
            reason: format!(
                "attribute ({:04X},{:04X}) declares {declared} bytes but only {remaining} remain \
                 (truncated or corrupt file)",
                tag.0, tag.1
            ),
        },
        Found::TooDeep => Error::LimitExceeded {
            path: PathBuf::new(),
            reason: format!("sequences nested deeper than {MAX_DEPTH} levels"),
        },
        Found::UnSequence(tag) => Error::Parse {
            path: PathBuf::new(),
            reason: format!(
                "attribute ({:04X},{:04X}) is a sequence of undefined length stored as UN, which \
                 the DICOM parser cannot read safely (dicom-rs issue 169)",
                tag.0, tag.1
            ),
        },
        Found::Unfollowable => Error::Parse {
            path: PathBuf::new(),
            reason: "corrupt element structure (an item or delimiter where none can be)".to_owned(),
        },
        Found::NoMeta => Error::Parse {
            path: PathBuf::new(),
            reason: "no file meta group after the DICM prefix".to_owned(),
        },
    }
}

enum Found {
    TooLong {
        tag: Tag,
        declared: u64,
        remaining: u64,
    },
    TooDeep,
    /// An undefined-length UN attribute in explicit VR, which the parser
    /// misreads (it would allocate whatever the misread length says).
    UnSequence(Tag),
    /// The structure cannot be followed: the parser would misread it.
    Unfollowable,
    /// "DICM" is not followed by a file meta group.
    NoMeta,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    explicit: bool,
    little: bool,
    /// Also require what a well-formed data set has (for data sets whose
    /// transfer syntax is guessed): ascending tags in every data set, known
    /// VRs, no stray delimiters.
    strict: bool,
}

impl Cursor<'_> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at + 2)?;
        Some(if self.little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at + 4)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if self.little {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    /// The end of the group 0002 elements and the Transfer Syntax UID.
    fn meta_group(mut self) -> Result<(usize, Option<String>), Found> {
        if self.u16_at(self.pos) != Some(0x0002) {
            // "DICM" must be followed by the meta group.
            return Err(Found::NoMeta);
        }
        // With a group length, the meta ends where it says (whatever groups
        // the elements inside claim); without one, at the first other group.
        let mut limit = None;
        if self.u16_at(self.pos) == Some(0x0002)
            && self.u16_at(self.pos + 2) == Some(0x0000)
            && self.bytes.get(self.pos + 4..self.pos + 6) == Some(b"UL")
        {
            let declared = self.u32_at(self.pos + 8).ok_or(Found::Unfollowable)?;
            let end = self.pos + 12 + declared as usize;
            if end > self.bytes.len() {
                return Err(Found::TooLong {
                    tag: Tag(0x0002, 0x0000),
                    declared: u64::from(declared),
                    remaining: (self.bytes.len() - (self.pos + 12).min(self.bytes.len())) as u64,
                });
            }
            limit = Some(end);
        }
        let mut ts = None;
        loop {
            match limit {
                Some(end) if self.pos >= end => break,
                None if self.u16_at(self.pos) != Some(0x0002) => break,
                _ => {}
            }
            let (Some(group), Some(element)) = (self.u16_at(self.pos), self.u16_at(self.pos + 2))
            else {
                break;
            };
            let Some((len, header)) = self.explicit_length(self.pos) else {
                break;
            };
            let value_start = self.pos + header;
            let Some(value) = self.bytes.get(value_start..value_start + len as usize) else {
                return Err(Found::TooLong {
                    tag: Tag(group, element),
                    declared: u64::from(len),
                    remaining: self.bytes.len().saturating_sub(value_start) as u64,
                });
            };
            if (group, element) == (0x0002, 0x0010) {
                ts = Some(String::from_utf8_lossy(value).into_owned());
            }
            self.pos = value_start + len as usize;
        }
        Ok((limit.unwrap_or(self.pos), ts))
    }

    /// Length and header size of the explicit-VR element at `at`.
    fn explicit_length(&self, at: usize) -> Option<(u32, usize)> {
        let vr = self.bytes.get(at + 4..at + 6)?;
        // As the parser does: an unknown VR is read as UN.
        let vr = VR::from_binary([vr[0], vr[1]]).unwrap_or(VR::UN);
        if has_long_length(vr) {
            Some((self.u32_at(at + 8)?, 12))
        } else {
            Some((u32::from(self.u16_at(at + 6)?), 8))
        }
    }

    /// Walks elements until `end`, or until a sequence delimiter when inside
    /// an undefined-length item or sequence. Items are data sets, except
    /// when `fragments` (encapsulated pixel data, whose items are opaque).
    fn elements(&mut self, end: usize, depth: usize, fragments: bool) -> Result<(), Found> {
        if depth > MAX_DEPTH {
            return Err(Found::TooDeep);
        }
        let mut previous: Option<Tag> = None;
        while self.pos + 8 <= end {
            let at = self.pos;
            let group = self.u16_at(at).ok_or(Found::Unfollowable)?;
            let element = self.u16_at(at + 2).ok_or(Found::Unfollowable)?;
            let tag = Tag(group, element);
            if self.strict && group != 0xFFFE {
                if previous.is_some_and(|p| p >= tag) {
                    return Err(Found::Unfollowable);
                }
                previous = Some(tag);
            }
            if group == 0xFFFE {
                // Item and delimiters always have a 4-byte length.
                let len = self.u32_at(at + 4).ok_or(Found::Unfollowable)?;
                self.pos = at + 8;
                match element {
                    // A stray delimiter at the top level ends nothing: the
                    // parser reads on, so the scan does too.
                    0xE00D | 0xE0DD if depth == 0 && !self.strict => {}
                    0xE00D | 0xE0DD if depth == 0 => return Err(Found::Unfollowable),
                    0xE00D | 0xE0DD => return Ok(()),
                    0xE000 => self.value(tag, len, !fragments, false, end, depth)?,
                    _ => return Err(Found::Unfollowable),
                }
                continue;
            }
            let (len, header, is_sequence, un_sequence) = if self.explicit {
                let vr_bytes = self.bytes.get(at + 4..at + 6).ok_or(Found::Unfollowable)?;
                let vr = match VR::from_binary([vr_bytes[0], vr_bytes[1]]) {
                    Some(vr) => vr,
                    None if self.strict => return Err(Found::Unfollowable),
                    None => VR::UN,
                };
                let (len, header) = self.explicit_length(at).ok_or(Found::Unfollowable)?;
                let un_sequence = len == UNDEFINED && vr == VR::UN;
                (len, header, vr == VR::SQ || un_sequence, un_sequence)
            } else {
                let len = self.u32_at(at + 4).ok_or(Found::Unfollowable)?;
                // Undefined length means a sequence, except for encapsulated pixel data.
                let sequence = dictionary_sequence(tag) || (len == UNDEFINED && tag != PIXEL_DATA);
                (len, 8, sequence, false)
            };
            self.pos = at + header;
            if un_sequence {
                return Err(Found::UnSequence(tag));
            }
            // Encapsulated pixel data has undefined length and fragment items.
            let fragments = len == UNDEFINED && !is_sequence;
            self.value(tag, len, is_sequence, fragments, end, depth)?;
        }
        Ok(())
    }

    /// Skips or walks one value of length `len` starting at `self.pos`:
    /// `nested` values hold data sets, `fragments` values hold opaque items.
    fn value(
        &mut self,
        tag: Tag,
        len: u32,
        nested: bool,
        fragments: bool,
        end: usize,
        depth: usize,
    ) -> Result<(), Found> {
        if len == UNDEFINED {
            return if nested || fragments {
                self.elements(end, depth + 1, fragments)
            } else {
                Err(Found::Unfollowable)
            };
        }
        let remaining = end.saturating_sub(self.pos);
        if len as usize > remaining {
            return Err(Found::TooLong {
                tag,
                declared: u64::from(len),
                remaining: remaining as u64,
            });
        }
        let value_end = self.pos + len as usize;
        if nested {
            self.elements(value_end, depth + 1, false)?;
        }
        self.pos = value_end;
        Ok(())
    }
}

/// VRs with a 2-byte reserved field and a 4-byte length in explicit VR.
fn has_long_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB
            | VR::OD
            | VR::OF
            | VR::OL
            | VR::OV
            | VR::OW
            | VR::SQ
            | VR::SV
            | VR::UC
            | VR::UN
            | VR::UR
            | VR::UT
            | VR::UV
    )
}

/// Whether the dictionary says `tag` is a sequence (for implicit VR).
fn dictionary_sequence(tag: Tag) -> bool {
    StandardDataDictionary
        .by_tag(tag)
        .is_some_and(|entry| entry.vr() == VirtualVr::Exact(VR::SQ))
}
