//! Fixed, obviously fake replacement values ("dummy" values of PS3.15
//! Annex E action `D`).
//!
//! Every value is short, non-empty and valid for its VR. Binary values are
//! zeros, so byte order does not matter.
//!
//! | VR | dummy | why |
//! |----|-------|-----|
//! | AE | `ANONYMOUS` | 9 bytes, fits 16 |
//! | AS | `000Y` | the youngest age, a visible placeholder |
//! | AT | 4 zero bytes, tag (0000,0000) | no real attribute is referenced |
//! | CS | `ANONYMOUS` | uppercase letters only, fits 16 |
//! | DA | `19000101` | conventional placeholder date |
//! | DS | `0` | |
//! | DT | `19000101000000` | the DA placeholder at midnight, no offset |
//! | FL, OF, OL, SL, UL | 4 zero bytes | one element |
//! | FD, OD, OV, SV, UV | 8 zero bytes | one element |
//! | IS | `0` | |
//! | LO, LT, SH, ST, UC, UT | `ANONYMOUS` | fits the shortest limit (SH, 16) |
//! | OB, UN | 2 zero bytes | two byte elements: values have an even length, so no writer padding is needed |
//! | OW, SS, US | 2 zero bytes | one element |
//! | PN | `ANONYMOUS` | family name component only |
//! | TM | `000000` | midnight |
//! | UR | `http://anonymous.invalid` | `.invalid` is reserved (RFC 2606) and never resolves |
//! | SQ | none | sequences are handled item by item |
//! | UI | none | UIDs are generated (see [`random_uid`](super::random_uid)) or hashed elsewhere |

use dicom_core::VR;

/// The text of most string dummies.
const ANONYMOUS: &str = "ANONYMOUS";

/// Zero bytes the binary dummies borrow from.
const ZEROS: [u8; 8] = [0; 8];

/// A dummy value: text for string VRs, raw bytes for binary VRs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DummyValue {
    /// The value of a text VR, without padding.
    Text(&'static str),
    /// The value of a binary VR.
    Bytes(&'static [u8]),
}

impl DummyValue {
    /// The text, for text VRs.
    pub fn as_text(self) -> Option<&'static str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Bytes(_) => None,
        }
    }

    /// The encoded bytes (ASCII for text, without padding).
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Self::Text(text) => text.as_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }
}

/// `width` zero bytes.
fn zeros(width: usize) -> DummyValue {
    DummyValue::Bytes(ZEROS.get(..width).unwrap_or(&ZEROS))
}

/// The dummy value of `vr`; `None` for SQ and UI (see the module table).
pub fn dummy_value(vr: VR) -> Option<DummyValue> {
    let text = DummyValue::Text;
    let value = match vr {
        VR::AE | VR::CS | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT => {
            text(ANONYMOUS)
        }
        VR::AS => text("000Y"),
        VR::DA => text("19000101"),
        VR::DS | VR::IS => text("0"),
        VR::DT => text("19000101000000"),
        VR::TM => text("000000"),
        VR::UR => text("http://anonymous.invalid"),
        VR::OB | VR::UN | VR::OW | VR::SS | VR::US => zeros(2),
        VR::AT | VR::FL | VR::OF | VR::OL | VR::SL | VR::UL => zeros(4),
        VR::FD | VR::OD | VR::OV | VR::SV | VR::UV => zeros(8),
        VR::SQ | VR::UI => return None,
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{ALL_VRS, binary_width, is_valid_text, max_len};

    #[test]
    fn every_dummy_is_valid() {
        for vr in ALL_VRS {
            let Some(value) = dummy_value(vr) else {
                assert!(matches!(vr, VR::SQ | VR::UI), "{vr}");
                continue;
            };
            match (value, binary_width(vr)) {
                (DummyValue::Text(text), None) => {
                    assert!(is_valid_text(vr, text), "{vr} {text}");
                    assert_eq!(value.as_text(), Some(text));
                }
                (DummyValue::Bytes(bytes), Some(width)) => {
                    assert!(!bytes.is_empty() && bytes.len() % width == 0, "{vr}");
                    assert!(bytes.len() % 2 == 0, "{vr}");
                    assert!(max_len(vr).is_none_or(|max| bytes.len() <= max), "{vr}");
                    assert!(bytes.iter().all(|b| *b == 0));
                    assert_eq!(value.as_text(), None);
                }
                _ => panic!("{vr}: text/binary mismatch"),
            }
            assert!(!value.as_bytes().is_empty());
        }
    }

    #[test]
    fn widths() {
        assert_eq!(
            dummy_value(VR::US).map(DummyValue::as_bytes),
            Some(&[0u8; 2][..])
        );
        assert_eq!(
            dummy_value(VR::FD).map(DummyValue::as_bytes),
            Some(&[0u8; 8][..])
        );
        assert_eq!(
            dummy_value(VR::AT).map(DummyValue::as_bytes),
            Some(&[0u8; 4][..])
        );
        assert_eq!(dummy_value(VR::PN), Some(DummyValue::Text("ANONYMOUS")));
    }
}
