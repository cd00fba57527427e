//! Numbers: decimal strings (DS), integer strings (IS) and the binary
//! numeric VRs (US, SS, UL, SL, UV, SV, FL, FD and their OW/OF/OD kin for
//! floats).
//!
//! Parsing tolerates leading and trailing spaces. A DS value is at most 16
//! bytes of `0-9 + - . e E` forming a finite decimal number; an IS value is at
//! most 12 bytes, an optional sign and digits, within `-2^31..=2^31-1`.
//!
//! Bucketization replaces a number by the lower bound of its bucket:
//! `origin + floor((value - origin) / width) * width`. With floating-point
//! widths the bounds are subject to binary rounding (0.1 is not exact); use
//! integer widths, or [`bucketize_int`], when exact bounds matter. Bounds that
//! fall outside the range of the VR are clamped into it.

use dicom_core::VR;

use super::{
    Result, ValueError, invalid_parameter, malformed, map_values, non_empty, out_of_range,
    split_values,
};

/// Maximum length of one DS value in bytes.
const DS_MAX: usize = 16;

/// Maximum length of one IS value in bytes.
const IS_MAX: usize = 12;

/// Parses one DS value into a finite `f64`.
pub fn parse_ds(value: &str) -> Result<f64> {
    let number = non_empty(VR::DS, value)?.trim_start_matches(' ');
    if number.is_empty() {
        return Err(ValueError::Empty { vr: VR::DS });
    }
    if number.len() > DS_MAX {
        return Err(ValueError::TooLong {
            vr: VR::DS,
            max: DS_MAX,
        });
    }
    let repertoire = |b: u8| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E');
    if !number.bytes().all(repertoire) {
        return Err(malformed(VR::DS, "characters outside 0-9 + - . e"));
    }
    let parsed: f64 = number
        .parse()
        .map_err(|_| malformed(VR::DS, "not a decimal number"))?;
    if parsed.is_finite() {
        Ok(parsed)
    } else {
        Err(out_of_range(VR::DS, "magnitude too large"))
    }
}

/// Parses each value of a multi-valued DS.
pub fn parse_ds_values(value: &str) -> Result<Vec<f64>> {
    split_values(value).map(parse_ds).collect()
}

/// Parses one IS value.
pub fn parse_is(value: &str) -> Result<i32> {
    let number = non_empty(VR::IS, value)?.trim_start_matches(' ');
    if number.is_empty() {
        return Err(ValueError::Empty { vr: VR::IS });
    }
    if number.len() > IS_MAX {
        return Err(ValueError::TooLong {
            vr: VR::IS,
            max: IS_MAX,
        });
    }
    let unsigned = number.strip_prefix(['+', '-']).unwrap_or(number);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(VR::IS, "expected an optional sign and digits"));
    }
    let parsed: i64 = number
        .parse()
        .map_err(|_| malformed(VR::IS, "not an integer"))?;
    i32::try_from(parsed).map_err(|_| out_of_range(VR::IS, "outside -2147483648..=2147483647"))
}

/// Parses each value of a multi-valued IS.
pub fn parse_is_values(value: &str) -> Result<Vec<i32>> {
    split_values(value).map(parse_is).collect()
}

/// Formats an integer as an IS value, failing outside the IS range.
pub fn format_is(value: i64) -> Result<String> {
    i32::try_from(value)
        .map(|v| v.to_string())
        .map_err(|_| out_of_range(VR::IS, "outside -2147483648..=2147483647"))
}

/// Formats a number as a DS value of at most 16 bytes.
///
/// The shortest exact representation is used when it fits; otherwise the
/// fixed or exponent notation closest to `value` among those fitting 16 bytes
/// (so precision is lost only when needed). Negative zero is written `0`.
/// NaN and infinities are errors.
pub fn format_ds(value: f64) -> Result<String> {
    if !value.is_finite() {
        return Err(out_of_range(VR::DS, "not a finite number"));
    }
    let value = if value == 0.0 { 0.0 } else { value };
    let shortest = value.to_string();
    if shortest.len() <= DS_MAX {
        return Ok(shortest);
    }
    closest_ds(value).ok_or(out_of_range(VR::DS, "no representation in 16 bytes"))
}

/// The candidate of at most 16 bytes closest to `value` (shortest on ties).
fn closest_ds(value: f64) -> Option<String> {
    (0..=DS_MAX)
        .flat_map(|precision| {
            [
                trim_fraction_zeros(&format!("{value:.precision$}")),
                trim_mantissa_zeros(&format!("{value:.precision$e}")),
            ]
        })
        .filter(|candidate| candidate.len() <= DS_MAX)
        .filter_map(|candidate| {
            let parsed = candidate.parse::<f64>().ok().filter(|p| p.is_finite())?;
            let error = (parsed - value).abs();
            Some((error, candidate))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.len().cmp(&b.1.len())))
        .map(|(_, candidate)| {
            if candidate == "-0" {
                "0".to_owned()
            } else {
                candidate
            }
        })
}

/// Removes the trailing zeros of the fraction of a fixed-notation number.
fn trim_fraction_zeros(fixed: &str) -> String {
    if fixed.contains('.') {
        fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        fixed.to_owned()
    }
}

/// Removes the trailing zeros of the mantissa of an exponent-notation number.
fn trim_mantissa_zeros(exponent: &str) -> String {
    match exponent.split_once('e') {
        Some((mantissa, power)) => format!("{}e{power}", trim_fraction_zeros(mantissa)),
        None => exponent.to_owned(),
    }
}

/// Lower bound of the bucket of `value`: buckets are `width` wide and one
/// starts at `origin`.
///
/// Returns NaN when `width` is not a positive finite number or when `value`
/// or `origin` is not finite, and possibly an infinity when the bucket index
/// overflows; the string helpers turn both into errors.
pub fn bucketize_number(value: f64, width: f64, origin: f64) -> f64 {
    let valid = width.is_finite() && width > 0.0 && value.is_finite() && origin.is_finite();
    if !valid {
        return f64::NAN;
    }
    let steps = ((value - origin) / width).floor();
    let lower = origin + steps * width;
    // Rounding may put the bound just above the value: take the previous one.
    if lower > value {
        origin + (steps - 1.0) * width
    } else {
        lower
    }
}

/// Checks a floating-point bucket width and origin.
fn check_float_bucket(vr: VR, width: f64, origin: f64) -> Result<()> {
    if !(width.is_finite() && width > 0.0) {
        return Err(invalid_parameter(
            vr,
            "bucket width must be a positive finite number",
        ));
    }
    if !origin.is_finite() {
        return Err(invalid_parameter(vr, "bucket origin must be finite"));
    }
    Ok(())
}

/// Replaces each value of a (multi-valued) DS by the lower bound of its
/// bucket, written as a valid DS.
pub fn bucketize_ds(value: &str, width: f64, origin: f64) -> Result<String> {
    check_float_bucket(VR::DS, width, origin)?;
    map_values(value, |v| {
        format_ds(bucketize_float(VR::DS, parse_ds(v)?, width, origin)?)
    })
}

/// Replaces each value of a (multi-valued) IS by the lower bound of its
/// bucket, clamped into the IS range.
pub fn bucketize_is(value: &str, width: i64, origin: i64) -> Result<String> {
    map_values(value, |v| {
        let number = i128::from(parse_is(v)?);
        let lower = bucketize_int(VR::IS, number, i128::from(width), i128::from(origin))?;
        format_is(i64::try_from(lower).map_err(|_| out_of_range(VR::IS, "bucket bound"))?)
    })
}

/// Range of the integer VRs: US, SS, UL, SL, UV, SV and IS.
pub fn int_range(vr: VR) -> Option<(i128, i128)> {
    match vr {
        VR::US => Some((0, i128::from(u16::MAX))),
        VR::SS => Some((i128::from(i16::MIN), i128::from(i16::MAX))),
        VR::UL => Some((0, i128::from(u32::MAX))),
        VR::SL | VR::IS => Some((i128::from(i32::MIN), i128::from(i32::MAX))),
        VR::UV => Some((0, i128::from(u64::MAX))),
        VR::SV => Some((i128::from(i64::MIN), i128::from(i64::MAX))),
        _ => None,
    }
}

/// Finite range of the floating-point VRs: FL and OF (single precision),
/// FD, OD and DS (double precision).
pub fn float_range(vr: VR) -> Option<(f64, f64)> {
    match vr {
        VR::FL | VR::OF => Some((f64::from(f32::MIN), f64::from(f32::MAX))),
        VR::FD | VR::OD | VR::DS => Some((f64::MIN, f64::MAX)),
        _ => None,
    }
}

/// Lower bound of the bucket of an integer value of an integer VR
/// ([`int_range`]), clamped into the VR range.
///
/// Values of every integer VR, `u64` included, fit `i128`. Fails when the VR
/// is not an integer VR, the value is outside its range, or the width is not
/// positive.
pub fn bucketize_int(vr: VR, value: i128, width: i128, origin: i128) -> Result<i128> {
    let (min, max) = int_range(vr).ok_or(ValueError::UnsupportedVr { vr })?;
    if width <= 0 {
        return Err(invalid_parameter(vr, "bucket width must be positive"));
    }
    if !(min..=max).contains(&value) {
        return Err(out_of_range(vr, "value outside the range of the vr"));
    }
    let too_far = || invalid_parameter(vr, "bucket origin too far from the value");
    let offset = value.checked_sub(origin).ok_or_else(too_far)?;
    let steps = offset.checked_div_euclid(width).ok_or_else(too_far)?;
    let lower = steps
        .checked_mul(width)
        .and_then(|delta| origin.checked_add(delta))
        .ok_or_else(too_far)?;
    Ok(lower.max(min).min(max))
}

/// Lower bound of the bucket of a value of a floating-point VR
/// ([`float_range`]), clamped into the finite range of the VR.
///
/// Fails when the VR is not a floating-point VR, the value is not finite, or
/// the width or origin is not acceptable.
pub fn bucketize_float(vr: VR, value: f64, width: f64, origin: f64) -> Result<f64> {
    let (min, max) = float_range(vr).ok_or(ValueError::UnsupportedVr { vr })?;
    check_float_bucket(vr, width, origin)?;
    if !value.is_finite() {
        return Err(out_of_range(vr, "value is not a finite number"));
    }
    if !((value - origin) / width).is_finite() {
        return Err(out_of_range(vr, "bucket index overflows"));
    }
    let lower = bucketize_number(value, width, origin);
    if lower.is_nan() {
        return Err(out_of_range(vr, "bucket bound is not a number"));
    }
    Ok(lower.max(min).min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ds_forms() {
        assert_eq!(parse_ds("1.5").unwrap(), 1.5);
        assert_eq!(parse_ds("  -1.5e3 ").unwrap(), -1500.0);
        assert_eq!(parse_ds("+.5").unwrap(), 0.5);
        assert_eq!(parse_ds("5.").unwrap(), 5.0);
        assert_eq!(parse_ds("1E-2").unwrap(), 0.01);
        assert_eq!(parse_ds("1234567890.12345").unwrap(), 1_234_567_890.123_45);
        assert_eq!(
            parse_ds_values("1\\2.5\\-3 ").unwrap(),
            vec![1.0, 2.5, -3.0]
        );
        for bad in [
            "",
            " ",
            "abc",
            "1,5",
            "inf",
            "NaN",
            "infinity",
            "1e",
            "e5",
            ".",
            "-",
            "1 2",
            "1.5.2",
            "12345678901234567",
            "1e400",
            "0x10",
            "1_000",
            "١",
        ] {
            assert!(parse_ds(bad).is_err(), "{bad}");
        }
        assert!(parse_ds_values("1\\\\2").is_err());
    }

    #[test]
    fn parse_is_forms() {
        assert_eq!(parse_is("42").unwrap(), 42);
        assert_eq!(parse_is(" +42 ").unwrap(), 42);
        assert_eq!(parse_is("-2147483648").unwrap(), i32::MIN);
        assert_eq!(parse_is("2147483647").unwrap(), i32::MAX);
        assert_eq!(parse_is("000000000007").unwrap(), 7);
        assert_eq!(parse_is_values("1\\-2").unwrap(), vec![1, -2]);
        for bad in [
            "",
            "2147483648",
            "-2147483649",
            "1.0",
            "1e3",
            "+",
            "-",
            "--1",
            "1-",
            "0000000000001",
            "12 3",
            "٣",
        ] {
            assert!(parse_is(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn format_is_range() {
        assert_eq!(format_is(-5).unwrap(), "-5");
        assert_eq!(format_is(i64::from(i32::MAX)).unwrap(), "2147483647");
        assert!(matches!(
            format_is(1 << 31),
            Err(ValueError::OutOfRange { .. })
        ));
    }

    #[test]
    fn format_ds_fits() {
        assert_eq!(format_ds(0.0).unwrap(), "0");
        assert_eq!(format_ds(-0.0).unwrap(), "0");
        assert_eq!(format_ds(40.0).unwrap(), "40");
        assert_eq!(format_ds(-1.25).unwrap(), "-1.25");
        assert_eq!(format_ds(0.1 + 0.2).unwrap(), "0.3");
        assert_eq!(format_ds(1e16).unwrap(), "1e16");
        assert_eq!(format_ds(1e300).unwrap(), "1e300");
        assert_eq!(format_ds(-1.5e-300).unwrap(), "-1.5e-300");
        assert_eq!(
            format_ds(f64::MIN_POSITIVE * f64::EPSILON).unwrap(),
            "5e-324"
        );
        assert!(format_ds(f64::NAN).is_err());
        assert!(format_ds(f64::INFINITY).is_err());
        for value in [
            std::f64::consts::PI,
            -std::f64::consts::E * 1e200,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            123_456_789.123_456_79,
            -0.000_123_456_789_123,
            1.0 / 3.0,
            -2.0 / 3.0 * 1e-10,
        ] {
            let text = format_ds(value).unwrap();
            assert!(text.len() <= 16, "{text}");
            let back = parse_ds(&text).unwrap();
            // 1e-8: f64::MAX must round down to stay finite.
            assert!(((back - value) / value).abs() < 1e-8, "{value} {text}");
        }
    }

    #[test]
    fn bucketize_numbers() {
        assert_eq!(bucketize_number(47.0, 10.0, 0.0), 40.0);
        assert_eq!(bucketize_number(40.0, 10.0, 0.0), 40.0);
        assert_eq!(bucketize_number(-1.0, 10.0, 0.0), -10.0);
        assert_eq!(bucketize_number(7.0, 5.0, 3.0), 3.0);
        assert_eq!(bucketize_number(2.0, 5.0, 3.0), -2.0);
        assert!(bucketize_number(1.0, 0.0, 0.0).is_nan());
        assert!(bucketize_number(1.0, -1.0, 0.0).is_nan());
        assert!(bucketize_number(f64::NAN, 1.0, 0.0).is_nan());
        assert!(bucketize_number(1.0, f64::INFINITY, 0.0).is_nan());
        let lower = bucketize_number(0.3, 0.1, 0.0);
        assert!(lower <= 0.3 && 0.3 - lower < 0.100_000_1);
    }

    #[test]
    fn bucketize_strings() {
        assert_eq!(
            bucketize_ds("47.3\\ 12 \\-0.5", 10.0, 0.0).unwrap(),
            "40\\10\\-10"
        );
        assert_eq!(bucketize_ds("1.75", 0.5, 0.0).unwrap(), "1.5");
        assert_eq!(bucketize_ds("1e300", 1e299, 0.0).unwrap(), "1e300");
        assert!(bucketize_ds("1e308", 1.0, -1e308).is_err());
        assert!(bucketize_ds("1", 0.0, 0.0).is_err());
        assert!(bucketize_ds("1", 1.0, f64::NAN).is_err());
        assert!(bucketize_ds("x", 1.0, 0.0).is_err());
        assert_eq!(bucketize_is("47\\-3\\100", 10, 0).unwrap(), "40\\-10\\100");
        assert_eq!(bucketize_is("-2147483648", 1000, 0).unwrap(), "-2147483648");
        assert_eq!(bucketize_is("2147483647", 1000, 5).unwrap(), "2147483005");
        assert!(bucketize_is("1", 0, 0).is_err());
        assert!(bucketize_is("1", -3, 0).is_err());
        assert!(bucketize_is("1.5", 10, 0).is_err());
    }

    #[test]
    fn bucketize_binary() {
        assert_eq!(bucketize_int(VR::US, 65_535, 1000, 0).unwrap(), 65_000);
        assert_eq!(bucketize_int(VR::US, 5, 10, 3).unwrap(), 3);
        assert_eq!(bucketize_int(VR::US, 2, 10, 3).unwrap(), 0);
        assert_eq!(bucketize_int(VR::SS, -32_768, 1000, 0).unwrap(), -32_768);
        assert_eq!(bucketize_int(VR::SL, -7, 5, 0).unwrap(), -10);
        let uv_max = i128::from(u64::MAX);
        assert_eq!(bucketize_int(VR::UV, uv_max, 10, 0).unwrap(), uv_max - 5);
        assert_eq!(
            bucketize_int(VR::SV, i128::from(i64::MIN), 3, 1).unwrap(),
            i128::from(i64::MIN)
        );
        assert!(bucketize_int(VR::US, 65_536, 10, 0).is_err());
        assert!(bucketize_int(VR::US, -1, 10, 0).is_err());
        assert!(bucketize_int(VR::US, 1, 0, 0).is_err());
        assert!(bucketize_int(VR::US, 1, 10, i128::MIN).is_err());
        assert!(matches!(
            bucketize_int(VR::FL, 1, 10, 0),
            Err(ValueError::UnsupportedVr { .. })
        ));
        assert_eq!(bucketize_float(VR::FD, 47.5, 10.0, 0.0).unwrap(), 40.0);
        assert_eq!(
            bucketize_float(VR::FL, -f64::from(f32::MAX), 1e38, 0.0).unwrap(),
            f64::from(f32::MIN)
        );
        assert_eq!(
            bucketize_float(VR::FD, f64::MIN, 1e308, 0.0).unwrap(),
            f64::MIN
        );
        assert!(bucketize_float(VR::FL, f64::NAN, 1.0, 0.0).is_err());
        assert!(bucketize_float(VR::FL, 1.0, 0.0, 0.0).is_err());
        assert!(bucketize_float(VR::US, 1.0, 1.0, 0.0).is_err());
    }
}
