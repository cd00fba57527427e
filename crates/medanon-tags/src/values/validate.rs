//! Lengths, character repertoires and widths of the VRs (PS3.5 section 6.2,
//! Table 6.2-1).
//!
//! [`is_valid_text`] is strict about the syntax of what it checks (no legacy
//! DA/TM forms, no empty values) and tolerant only of trailing padding
//! (spaces; NULs for UI). Lengths of LO, LT, PN, SH, ST, UC and UT are
//! counted in characters, as the standard does; the other text VRs are ASCII,
//! where characters and bytes are the same.

use dicom_core::VR;

use super::{parse_as, parse_da, parse_ds, parse_dt, parse_is, parse_tm, trim_padding};

/// Every value representation, in alphabetical order.
pub const ALL_VRS: [VR; 34] = [
    VR::AE,
    VR::AS,
    VR::AT,
    VR::CS,
    VR::DA,
    VR::DS,
    VR::DT,
    VR::FL,
    VR::FD,
    VR::IS,
    VR::LO,
    VR::LT,
    VR::OB,
    VR::OD,
    VR::OF,
    VR::OL,
    VR::OV,
    VR::OW,
    VR::PN,
    VR::SH,
    VR::SL,
    VR::SQ,
    VR::SS,
    VR::ST,
    VR::SV,
    VR::TM,
    VR::UC,
    VR::UI,
    VR::UL,
    VR::UN,
    VR::UR,
    VR::US,
    VR::UT,
    VR::UV,
];

/// Maximum length of one value of `vr` (PS3.5 Table 6.2-1).
///
/// In bytes for the ASCII VRs and the fixed-width binary VRs, in characters
/// for LO, LT, SH, ST and PN (PN: per component group). `None` for the VRs
/// limited only by the length field (OB, OD, OF, OL, OV, OW, UN, UC, UR, UT)
/// and for SQ.
pub fn max_len(vr: VR) -> Option<usize> {
    match vr {
        VR::SS | VR::US => Some(2),
        VR::AS | VR::AT | VR::FL | VR::SL | VR::UL => Some(4),
        VR::DA | VR::FD | VR::SV | VR::UV => Some(8),
        VR::IS => Some(12),
        VR::TM => Some(14),
        VR::AE | VR::CS | VR::DS | VR::SH => Some(16),
        VR::DT => Some(26),
        VR::LO | VR::PN | VR::UI => Some(64),
        VR::ST => Some(1024),
        VR::LT => Some(10_240),
        VR::OB
        | VR::OD
        | VR::OF
        | VR::OL
        | VR::OV
        | VR::OW
        | VR::SQ
        | VR::UC
        | VR::UN
        | VR::UR
        | VR::UT => None,
    }
}

/// Width in bytes of one element of a binary VR (AT counts as one 4-byte
/// tag; OB and UN as bytes); `None` for text VRs and SQ.
pub fn binary_width(vr: VR) -> Option<usize> {
    match vr {
        VR::OB | VR::UN => Some(1),
        VR::OW | VR::SS | VR::US => Some(2),
        VR::AT | VR::FL | VR::OF | VR::OL | VR::SL | VR::UL => Some(4),
        VR::FD | VR::OD | VR::OV | VR::SV | VR::UV => Some(8),
        _ => None,
    }
}

/// Whether `value` is a valid, non-empty value of the text VR `vr`: syntax,
/// character repertoire and length of each `\`-separated value (for the VRs
/// that allow several). `false` for binary VRs and SQ.
pub fn is_valid_text(vr: VR, value: &str) -> bool {
    match vr {
        VR::LT => is_valid_block(value, Some(10_240)),
        VR::ST => is_valid_block(value, Some(1024)),
        VR::UT => is_valid_block(value, None),
        VR::UR => is_valid_ur(value),
        VR::UI => {
            let value = value.trim_end_matches('\0');
            !value.is_empty() && value.split('\\').all(is_valid_uid)
        }
        _ => {
            let value = trim_padding(value);
            !value.is_empty() && value.split('\\').all(|v| is_valid_single(vr, v))
        }
    }
}

/// Whether `value` is one valid value of a multi-valued text VR.
fn is_valid_single(vr: VR, value: &str) -> bool {
    match vr {
        VR::AE => is_valid_ae(value),
        VR::AS => value.len() == 4 && parse_as(value).is_ok(),
        VR::CS => value.len() <= 16 && value.bytes().all(is_cs_byte) && !value.is_empty(),
        VR::DA => value.len() == 8 && parse_da(value).is_ok(),
        VR::DS => value.len() <= 16 && parse_ds(value).is_ok(),
        VR::DT => value.len() <= 26 && parse_dt(value).is_ok(),
        VR::IS => value.len() <= 12 && parse_is(value).is_ok(),
        VR::TM => value.len() <= 14 && !value.contains(':') && parse_tm(value).is_ok(),
        VR::LO => is_valid_string(value, Some(64)),
        VR::SH => is_valid_string(value, Some(16)),
        VR::UC => is_valid_string(value, None),
        VR::PN => is_valid_pn(value),
        _ => false,
    }
}

/// Whether a byte may appear in a CS value.
fn is_cs_byte(byte: u8) -> bool {
    byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b' ' || byte == b'_'
}

/// AE: printable ASCII without backslash, at most 16 bytes, not only spaces.
fn is_valid_ae(value: &str) -> bool {
    value.len() <= 16
        && value
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'\\')
        && value.bytes().any(|b| b != b' ')
}

/// LO, SH, UC: no backslash, no control character but ESC, a length in
/// characters.
fn is_valid_string(value: &str, max_chars: Option<usize>) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c == '\u{1b}' || (!c.is_control() && c != '\\'))
        && max_chars.is_none_or(|max| value.chars().count() <= max)
}

/// PN: up to three component groups of at most 64 characters and five
/// components each.
fn is_valid_pn(value: &str) -> bool {
    let groups: Vec<&str> = value.split('=').collect();
    !value.is_empty()
        && groups.len() <= 3
        && groups.iter().all(|group| {
            (group.is_empty() || is_valid_string(group, Some(64))) && group.split('^').count() <= 5
        })
}

/// LT, ST, UT: no control character but TAB, LF, FF, CR and ESC.
fn is_valid_block(value: &str, max_chars: Option<usize>) -> bool {
    let value = trim_padding(value);
    let allowed = |c: char| !c.is_control() || matches!(c, '\t' | '\n' | '\u{c}' | '\r' | '\u{1b}');
    !value.is_empty()
        && value.chars().all(allowed)
        && max_chars.is_none_or(|max| value.chars().count() <= max)
}

/// UR: RFC 3986 characters only, no leading space, trailing spaces ignored.
fn is_valid_ur(value: &str) -> bool {
    let value = value.trim_end_matches(' ');
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b);
    !value.is_empty() && value.bytes().all(allowed)
}

/// UI: at most 64 bytes of dot-separated numbers without leading zeros.
fn is_valid_uid(value: &str) -> bool {
    let component_ok = |c: &str| {
        !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) && (c == "0" || !c.starts_with('0'))
    };
    !value.is_empty() && value.len() <= 64 && value.split('.').all(component_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_widths_cover_every_vr() {
        for vr in ALL_VRS {
            match (binary_width(vr), max_len(vr)) {
                (Some(width), Some(max)) => assert_eq!(width, max, "{vr}"),
                (Some(_), None) => assert!(matches!(
                    vr,
                    VR::OB | VR::OD | VR::OF | VR::OL | VR::OV | VR::OW | VR::UN
                )),
                (None, None) => assert!(matches!(vr, VR::SQ | VR::UC | VR::UR | VR::UT)),
                (None, Some(_)) => assert!(vr != VR::SQ),
            }
        }
        assert_eq!(max_len(VR::DT), Some(26));
        assert_eq!(max_len(VR::UT), None);
    }

    #[test]
    fn accepts_valid_values() {
        let cases = [
            (VR::AE, "STORESCP"),
            (VR::AE, " PACS "),
            (VR::AS, "047Y"),
            (VR::CS, "ORIGINAL\\PRIMARY"),
            (VR::CS, "MONOCHROME2 "),
            (VR::DA, "20240229\\19000101"),
            (VR::DS, " -1.5e3\\2"),
            (VR::DT, "20240229130759.123456+0100"),
            (VR::IS, "-2147483648"),
            (VR::LO, "Café du Commerce"),
            (VR::LT, "line one\r\nline two\\with backslash"),
            (VR::PN, "Doe^John^^Dr^Jr=山田^太郎=やまだ^たろう"),
            (VR::PN, "=Yamada"),
            (VR::SH, "SIXTEEN CHARS 16"),
            (VR::ST, "short text"),
            (VR::TM, "070559.123456"),
            (VR::UC, "unlimited"),
            (VR::UI, "1.2.840.10008.1.2.1\0"),
            (VR::UI, "2.25.0"),
            (VR::UR, "https://example.invalid/a?b=c#d "),
            (VR::UT, "text"),
        ];
        for (vr, value) in cases {
            assert!(is_valid_text(vr, value), "{vr} {value:?}");
        }
    }

    #[test]
    fn rejects_invalid_values() {
        let long = "A".repeat(65);
        let cases = [
            (VR::AE, "   "),
            (VR::AE, "SEVENTEEN CHARS!!"),
            (VR::AE, "TAB\tX"),
            (VR::AS, "47Y"),
            (VR::CS, "lowercase"),
            (VR::CS, "HYPHEN-ATED"),
            (VR::CS, "SEVENTEEN_CHARS_1"),
            (VR::DA, "2024.02.29"),
            (VR::DA, "20240230"),
            (VR::DS, "1,5"),
            (VR::DT, "2024022"),
            (VR::IS, "1.0"),
            (VR::LO, long.as_str()),
            (VR::LO, "line\nbreak"),
            (VR::LT, "bell\u{7}"),
            (VR::PN, "a=b=c=d"),
            (VR::PN, "a^b^c^d^e^f"),
            (VR::SH, "SEVENTEEN CHARS 1"),
            (VR::TM, "07:05:59"),
            (VR::TM, "25"),
            (VR::UI, "1.02.3"),
            (VR::UI, "1..2"),
            (VR::UI, "1.2 "),
            (VR::UR, " http://x"),
            (VR::UR, "http://x y"),
            (VR::US, "0"),
            (VR::SQ, "x"),
            (VR::DA, ""),
            (VR::DA, "20240101\\"),
            (VR::UT, ""),
        ];
        for (vr, value) in cases {
            assert!(!is_valid_text(vr, value), "{vr} {value:?}");
        }
        assert!(!is_valid_text(VR::UI, &format!("1.{}", "2".repeat(63))));
    }
}
