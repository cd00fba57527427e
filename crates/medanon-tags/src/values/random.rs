//! Random VR-valid values and random UIDs.
//!
//! The caller supplies the random number generator (a seeded one in tests, a
//! cryptographic one in production); nothing here creates its own.
//!
//! | VR | random value |
//! |----|--------------|
//! | AE, CS, SH | `RND` and 8 uppercase letters or digits (11 bytes) |
//! | LO, LT, ST, UC, UT | `RND` and 16 uppercase letters or digits |
//! | PN | `RND^` and 8 uppercase letters |
//! | DA | a date from 1900-01-01 to 2020-12-31 |
//! | TM | `HHMMSS` |
//! | DT | `YYYYMMDDHHMMSS`, date as DA, no offset |
//! | AS | `000Y` to `099Y` |
//! | DS | `0.00` to `999.99`, two decimals |
//! | IS | `0` to `999999` |
//! | UR | `http://rnd-` and 8 lowercase letters or digits, then `.invalid` |
//! | AT, OL, OV, OW, SL, SS, SV, UL, US, UV | random bytes, one element |
//! | OB, UN | two random bytes (even length) |
//! | FL, OF | a random `f32` in `[0, 1)`, little endian (never NaN) |
//! | FD, OD | a random `f64` in `[0, 1)`, little endian (never NaN) |
//! | SQ, UI | none; see [`random_uid`] for UIDs |

use dicom_core::VR;
use rand::Rng;
use rand::seq::SliceRandom;

use super::{Date, binary_width};

/// Uppercase letters and digits.
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Uppercase letters.
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Lowercase letters and digits.
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A random value: text for string VRs, raw bytes for binary VRs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RandomValue {
    /// The value of a text VR, without padding.
    Text(String),
    /// The value of a binary VR, little endian.
    Bytes(Vec<u8>),
}

impl RandomValue {
    /// The text, for text VRs.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Bytes(_) => None,
        }
    }

    /// The encoded bytes (ASCII for text, without padding).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Text(text) => text.as_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }
}

/// `len` characters drawn from `alphabet`.
fn random_chars<R: Rng + ?Sized>(rng: &mut R, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .filter_map(|_| alphabet.choose(rng).map(|&b| char::from(b)))
        .collect()
}

/// A random date from 1900-01-01 to 2020-12-31.
fn random_date<R: Rng + ?Sized>(rng: &mut R) -> Option<Date> {
    let first = Date::new(1900, 1, 1)?.to_days();
    let last = Date::new(2020, 12, 31)?.to_days();
    Date::from_days(rng.gen_range(first..=last))
}

/// A random `HHMMSS`.
fn random_time<R: Rng + ?Sized>(rng: &mut R) -> String {
    let (hour, minute, second): (u8, u8, u8) = (
        rng.gen_range(0..24),
        rng.gen_range(0..60),
        rng.gen_range(0..60),
    );
    format!("{hour:02}{minute:02}{second:02}")
}

/// `len` random bytes.
fn random_bytes<R: Rng + ?Sized>(rng: &mut R, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.r#gen::<u8>()).collect()
}

/// A random text value of a text VR, `None` for UI and non-text VRs.
fn random_text<R: Rng + ?Sized>(vr: VR, rng: &mut R) -> Option<String> {
    let text = match vr {
        VR::AE | VR::CS | VR::SH => format!("RND{}", random_chars(rng, UPPER_ALNUM, 8)),
        VR::LO | VR::LT | VR::ST | VR::UC | VR::UT => {
            format!("RND{}", random_chars(rng, UPPER_ALNUM, 16))
        }
        VR::PN => format!("RND^{}", random_chars(rng, UPPER, 8)),
        VR::DA => random_date(rng)?.to_da(),
        VR::TM => random_time(rng),
        VR::DT => format!("{}{}", random_date(rng)?.to_da(), random_time(rng)),
        VR::AS => format!("{:03}Y", rng.gen_range(0u32..100)),
        VR::DS => format!(
            "{}.{:02}",
            rng.gen_range(0u32..1000),
            rng.gen_range(0u32..100)
        ),
        VR::IS => rng.gen_range(0u32..1_000_000).to_string(),
        VR::UR => format!("http://rnd-{}.invalid", random_chars(rng, LOWER_ALNUM, 8)),
        _ => return None,
    };
    Some(text)
}

/// A random value of a binary VR, `None` for text VRs and SQ.
fn random_binary<R: Rng + ?Sized>(vr: VR, rng: &mut R) -> Option<Vec<u8>> {
    let bytes = match vr {
        VR::FL | VR::OF => rng.r#gen::<f32>().to_le_bytes().to_vec(),
        VR::FD | VR::OD => rng.r#gen::<f64>().to_le_bytes().to_vec(),
        VR::OB | VR::UN => random_bytes(rng, 2),
        _ => random_bytes(rng, binary_width(vr)?),
    };
    Some(bytes)
}

/// A random VR-valid value of `vr`; `None` for SQ and UI (see the module
/// table).
pub fn random_value<R: Rng + ?Sized>(vr: VR, rng: &mut R) -> Option<RandomValue> {
    if binary_width(vr).is_some() {
        random_binary(vr, rng).map(RandomValue::Bytes)
    } else {
        random_text(vr, rng).map(RandomValue::Text)
    }
}

/// A random UID `2.25.<n>`: `n` is a random version 4 UUID written as a
/// decimal integer (ITU-T X.667), at most 44 characters.
pub fn random_uid<R: Rng + ?Sized>(rng: &mut R) -> String {
    const VERSION_MASK: u128 = 0xf << 76;
    const VERSION_4: u128 = 0x4 << 76;
    const VARIANT_MASK: u128 = 0x3 << 62;
    const VARIANT_RFC4122: u128 = 0x2 << 62;
    let bits: u128 = rng.r#gen();
    let uuid = (bits & !VERSION_MASK & !VARIANT_MASK) | VERSION_4 | VARIANT_RFC4122;
    format!("2.25.{uuid}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{ALL_VRS, is_valid_text, max_len};
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::collections::HashSet;

    #[test]
    fn every_random_value_is_valid() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..500 {
            for vr in ALL_VRS {
                let Some(value) = random_value(vr, &mut rng) else {
                    assert!(matches!(vr, VR::SQ | VR::UI), "{vr}");
                    continue;
                };
                match (&value, binary_width(vr)) {
                    (RandomValue::Text(text), None) => {
                        assert!(is_valid_text(vr, text), "{vr} {text}");
                    }
                    (RandomValue::Bytes(bytes), Some(width)) => {
                        assert!(!bytes.is_empty() && bytes.len() % width == 0, "{vr}");
                        assert!(bytes.len() % 2 == 0, "{vr}");
                        assert!(max_len(vr).is_none_or(|max| bytes.len() <= max), "{vr}");
                    }
                    _ => panic!("{vr}: text/binary mismatch"),
                }
            }
        }
    }

    #[test]
    fn random_floats_are_finite() {
        let mut rng = StdRng::seed_from_u64(8);
        for _ in 0..1000 {
            let fl = random_value(VR::FL, &mut rng).unwrap();
            let bytes: [u8; 4] = fl.as_bytes().try_into().unwrap();
            assert!(f32::from_le_bytes(bytes).is_finite());
            let fd = random_value(VR::FD, &mut rng).unwrap();
            let bytes: [u8; 8] = fd.as_bytes().try_into().unwrap();
            assert!(f64::from_le_bytes(bytes).is_finite());
        }
    }

    #[test]
    fn random_values_vary() {
        let mut rng = StdRng::seed_from_u64(9);
        let names: HashSet<String> = (0..100)
            .filter_map(|_| random_value(VR::PN, &mut rng))
            .filter_map(|v| v.as_text().map(str::to_owned))
            .collect();
        assert!(names.len() > 95);
        let dates: HashSet<String> = (0..100)
            .filter_map(|_| random_value(VR::DA, &mut rng))
            .filter_map(|v| v.as_text().map(str::to_owned))
            .collect();
        assert!(dates.len() > 90);
        assert!(
            dates
                .iter()
                .all(|d| ("19000101"..="20201231").contains(&d.as_str()))
        );
    }

    #[test]
    fn uids() {
        let mut rng = StdRng::seed_from_u64(10);
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let uid = random_uid(&mut rng);
            assert!(uid.len() <= 64 && is_valid_text(VR::UI, &uid), "{uid}");
            let number: u128 = uid.strip_prefix("2.25.").unwrap().parse().unwrap();
            assert_eq!((number >> 76) & 0xf, 4);
            assert_eq!((number >> 62) & 0x3, 2);
            assert!(seen.insert(uid));
        }
    }

    #[test]
    fn works_with_dyn_rng() {
        let mut seeded = StdRng::seed_from_u64(11);
        let rng: &mut dyn rand::RngCore = &mut seeded;
        assert!(random_value(VR::LO, rng).is_some());
        assert!(random_uid(rng).starts_with("2.25."));
    }
}
