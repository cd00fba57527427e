//! Age strings (AS): `nnnD`, `nnnW`, `nnnM` or `nnnY`.
//!
//! Parsing is strict: exactly three ASCII digits and an uppercase unit
//! letter, after removing trailing padding. Conversion to years is
//! approximate: a year is 365.25 days, 52.18 weeks or 12 months, and
//! [`Age::whole_years`] counts completed years only (`011M` is 0 years,
//! `364D` is 0 years).

use dicom_core::VR;

use super::{Result, invalid_parameter, malformed, non_empty};

/// Largest number an AS value can hold.
const MAX_AGE: u32 = 999;

/// Days per year used for the conversion of ages in days and weeks.
const DAYS_PER_YEAR: f64 = 365.25;

/// Unit of an age string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeUnit {
    /// `D`
    Days,
    /// `W`
    Weeks,
    /// `M`
    Months,
    /// `Y`
    Years,
}

impl AgeUnit {
    /// The unit of an AS letter.
    fn from_letter(letter: u8) -> Option<Self> {
        match letter {
            b'D' => Some(Self::Days),
            b'W' => Some(Self::Weeks),
            b'M' => Some(Self::Months),
            b'Y' => Some(Self::Years),
            _ => None,
        }
    }

    /// The AS letter of this unit.
    fn letter(self) -> char {
        match self {
            Self::Days => 'D',
            Self::Weeks => 'W',
            Self::Months => 'M',
            Self::Years => 'Y',
        }
    }
}

/// A parsed age string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Age {
    /// The number, 0 to 999.
    count: u16,
    /// The unit.
    unit: AgeUnit,
}

impl Age {
    /// The number as written, 0 to 999.
    pub fn count(self) -> u16 {
        self.count
    }

    /// The unit.
    pub fn unit(self) -> AgeUnit {
        self.unit
    }

    /// The age in approximate (fractional) years.
    pub fn years(self) -> f64 {
        let count = f64::from(self.count);
        match self.unit {
            AgeUnit::Days => count / DAYS_PER_YEAR,
            AgeUnit::Weeks => count * 7.0 / DAYS_PER_YEAR,
            AgeUnit::Months => count / 12.0,
            AgeUnit::Years => count,
        }
    }

    /// The number of completed years (integer arithmetic, no rounding up).
    pub fn whole_years(self) -> u32 {
        let count = u32::from(self.count);
        match self.unit {
            // 365.25 days a year: count * 4 / 1461.
            AgeUnit::Days => count * 4 / 1461,
            AgeUnit::Weeks => count * 28 / 1461,
            AgeUnit::Months => count / 12,
            AgeUnit::Years => count,
        }
    }

    /// The age as an AS value.
    pub fn to_as(self) -> String {
        format!("{:03}{}", self.count, self.unit.letter())
    }
}

/// Parses one AS value (strict: `nnn` then `D`, `W`, `M` or `Y`).
pub fn parse_as(value: &str) -> Result<Age> {
    let value = non_empty(VR::AS, value)?;
    let bytes = value.as_bytes();
    let [d0, d1, d2, letter] = bytes else {
        return Err(malformed(
            VR::AS,
            "expected 4 characters nnnd, nnnw, nnnm or nnny",
        ));
    };
    if ![d0, d1, d2].iter().all(|b| b.is_ascii_digit()) {
        return Err(malformed(VR::AS, "non-digit characters"));
    }
    let unit =
        AgeUnit::from_letter(*letter).ok_or(malformed(VR::AS, "unit must be d, w, m or y"))?;
    let count = [d0, d1, d2]
        .iter()
        .fold(0u16, |acc, b| acc * 10 + u16::from(**b - b'0'));
    Ok(Age { count, unit })
}

/// An AS value of `years` years, clamped to `999Y`.
pub fn format_age_years(years: u32) -> String {
    format!("{:03}Y", years.min(MAX_AGE))
}

/// Replaces an AS value by the lower bound, in years, of its band of
/// `band_years` years; ages at or above `top_code` become `top_code`.
///
/// `047Y` with bands of 10 becomes `040Y`, `011M` becomes `000Y`, and with a
/// top code of 90 `093Y` becomes `090Y`. Fails on a zero band width.
pub fn bucketize_age(value: &str, band_years: u32, top_code: Option<u32>) -> Result<String> {
    if band_years == 0 {
        return Err(invalid_parameter(VR::AS, "band width must be positive"));
    }
    let years = parse_as(value)?.whole_years();
    let bucketed = match top_code {
        Some(top) if years >= top => top,
        _ => years / band_years * band_years,
    };
    Ok(format_age_years(bucketed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::ValueError;

    #[test]
    fn parse_strict() {
        let age = parse_as("047Y").unwrap();
        assert_eq!((age.count(), age.unit()), (47, AgeUnit::Years));
        assert_eq!(parse_as("011M ").unwrap().to_as(), "011M");
        assert_eq!(parse_as("000D").unwrap().whole_years(), 0);
        for bad in [
            "",
            "47Y",
            "047y",
            "047",
            "0047Y",
            " 47Y",
            "047X",
            "-47Y",
            "4.7Y",
            "０４７Y",
            "047Y\\",
        ] {
            assert!(parse_as(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn approximate_years() {
        assert_eq!(parse_as("018M").unwrap().years(), 1.5);
        assert_eq!(parse_as("047Y").unwrap().years(), 47.0);
        assert!((parse_as("730D").unwrap().years() - 2.0).abs() < 0.01);
        assert!((parse_as("104W").unwrap().years() - 2.0).abs() < 0.01);
        assert_eq!(parse_as("999D").unwrap().whole_years(), 2);
        assert_eq!(parse_as("999W").unwrap().whole_years(), 19);
        assert_eq!(parse_as("999M").unwrap().whole_years(), 83);
        assert_eq!(parse_as("1461D").map(|a| a.whole_years()).ok(), None);
        assert_eq!(parse_as("731D").unwrap().whole_years(), 2);
    }

    #[test]
    fn bucketize() {
        assert_eq!(bucketize_age("047Y", 10, None).unwrap(), "040Y");
        assert_eq!(bucketize_age("040Y", 10, None).unwrap(), "040Y");
        assert_eq!(bucketize_age("011M", 10, None).unwrap(), "000Y");
        assert_eq!(bucketize_age("011M", 1, None).unwrap(), "000Y");
        assert_eq!(bucketize_age("030M", 1, None).unwrap(), "002Y");
        assert_eq!(bucketize_age("093Y", 10, Some(90)).unwrap(), "090Y");
        assert_eq!(bucketize_age("090Y", 5, Some(90)).unwrap(), "090Y");
        assert_eq!(bucketize_age("089Y", 5, Some(90)).unwrap(), "085Y");
        assert_eq!(bucketize_age("999Y", 1000, None).unwrap(), "000Y");
        assert_eq!(bucketize_age("999Y", 10, Some(5000)).unwrap(), "990Y");
        assert_eq!(bucketize_age("010Y", 10, Some(0)).unwrap(), "000Y");
        assert!(matches!(
            bucketize_age("047Y", 0, None),
            Err(ValueError::InvalidParameter { .. })
        ));
        assert!(bucketize_age("47", 10, None).is_err());
    }

    #[test]
    fn format_years() {
        assert_eq!(format_age_years(0), "000Y");
        assert_eq!(format_age_years(47), "047Y");
        assert_eq!(format_age_years(1000), "999Y");
        assert_eq!(format_age_years(u32::MAX), "999Y");
    }
}
