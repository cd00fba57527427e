//! Cross-cutting tests of the `values` module: hostile input, error
//! messages, round-trip properties.

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Strings no parser should accept, and none should panic on.
fn hostile_strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "",
        " ",
        "\\",
        "\\\\",
        "\0",
        "2024022\u{e9}",
        "２０２４０２２９",
        "日本語テキスト",
        "\u{1F600}\u{1F600}",
        "-",
        "+",
        ".",
        ":",
        "::",
        "1e99999",
        "-0000000000000000000001",
        "+-1",
        "\u{0}\u{0}\u{0}\u{0}",
        "\r\n",
        "1.2.3.4",
        "25:00:00",
        "99:99",
        "9999Y",
        "ÿÿÿÿ",
        "20240229+2400",
        "20240229130759.1234567",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    strings.push("9".repeat(100_000));
    strings.push("2".repeat(27));
    strings.push("\\".repeat(1000));
    strings.push("é".repeat(17));
    strings
}

/// Numbers that are no valid date, time or age.
const BAD_DATES: [&str; 7] = [
    "99999999",
    "20241301",
    "20240230",
    "00000000",
    "19000229",
    "2024.02.30",
    "235960",
];

/// Every date, time and age operation of the module applied to `value`.
fn apply_dates(value: &str) -> Vec<(&'static str, Result<String>)> {
    apply_all(value)
        .into_iter()
        .filter(|(name, _)| !name.contains("ds") && !name.contains("is"))
        .collect()
}

/// Every string-level operation of the module applied to `value`.
fn apply_all(value: &str) -> Vec<(&'static str, Result<String>)> {
    vec![
        ("parse_da", parse_da(value).map(Date::to_da)),
        ("parse_tm", parse_tm(value).map(Time::to_tm)),
        ("parse_dt", parse_dt(value).map(DateTime::to_dt)),
        ("parse_as", parse_as(value).map(Age::to_as)),
        ("parse_ds", parse_ds(value).map(|v| v.to_string())),
        ("parse_is", parse_is(value).map(|v| v.to_string())),
        (
            "parse_ds_values",
            parse_ds_values(value).map(|v| format!("{v:?}")),
        ),
        (
            "parse_is_values",
            parse_is_values(value).map(|v| format!("{v:?}")),
        ),
        ("shift_da", shift_da(value, 30)),
        ("shift_da_values", shift_da_values(value, -30)),
        ("shift_dt", shift_dt(value, 30)),
        ("shift_dt_values", shift_dt_values(value, -30)),
        (
            "generalize_da",
            generalize_da(value, DateGranularity::Month),
        ),
        ("generalize_dt", generalize_dt(value, DateGranularity::Year)),
        ("generalize_tm", generalize_tm(value)),
        (
            "generalize_da_values",
            generalize_da_values(value, DateGranularity::Year),
        ),
        (
            "generalize_dt_values",
            generalize_dt_values(value, DateGranularity::Month),
        ),
        ("generalize_tm_values", generalize_tm_values(value)),
        ("bucketize_age", bucketize_age(value, 10, Some(90))),
        ("bucketize_ds", bucketize_ds(value, 10.0, 0.0)),
        ("bucketize_is", bucketize_is(value, 10, 0)),
    ]
}

#[test]
fn hostile_input_is_rejected_without_panic() {
    for value in hostile_strings() {
        for (operation, result) in apply_all(&value) {
            let short: String = value.chars().take(20).collect();
            assert!(
                result.is_err(),
                "{operation} accepted {short:?}: {result:?}"
            );
        }
        for vr in ALL_VRS {
            let _ = is_valid_text(vr, &value);
        }
    }
}

#[test]
fn impossible_dates_are_rejected() {
    for value in BAD_DATES {
        let results = apply_dates(value);
        assert_eq!(results.len(), 15);
        for (operation, result) in results {
            if operation.contains("tm") && value == "235960" {
                assert!(result.is_ok(), "leap second");
            } else {
                assert!(result.is_err(), "{operation} accepted {value}: {result:?}");
            }
        }
        assert!(!is_valid_text(VR::DA, value));
        assert!(!is_valid_text(VR::DT, value));
    }
}

#[test]
fn hostile_input_is_rejected_by_the_strict_validator() {
    for value in hostile_strings() {
        for vr in [VR::AS, VR::DA, VR::DS, VR::DT, VR::IS, VR::TM] {
            assert!(!is_valid_text(vr, &value), "{vr} {value:.20}");
        }
    }
}

#[test]
fn errors_never_contain_the_value() {
    let secrets = [
        "19671103",
        "20241301",
        "130759.5",
        "047X",
        "12345678.9.1",
        "Doe^John",
    ];
    for secret in secrets {
        for (operation, result) in apply_all(secret) {
            if let Err(error) = result {
                let message = error.to_string();
                assert!(!message.contains(secret), "{operation}: {message}");
                let without_vr = message.replacen(&error_vr(&message), "", 1);
                assert_eq!(without_vr, without_vr.to_lowercase(), "{message}");
            }
        }
    }
}

/// The VR code in an error message: its first word of two uppercase
/// letters.
fn error_vr(message: &str) -> String {
    message
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| w.len() == 2 && w.chars().all(|c| c.is_ascii_uppercase()))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn error_messages() {
    assert_eq!(parse_da("").unwrap_err().to_string(), "empty DA value");
    assert_eq!(
        parse_da("20241301").unwrap_err().to_string(),
        "DA value out of range: month outside 01..=12"
    );
    assert_eq!(
        parse_ds("12345678901234567").unwrap_err().to_string(),
        "DS value longer than 16 bytes"
    );
    assert_eq!(
        bucketize_age("047Y", 0, None).unwrap_err().to_string(),
        "invalid parameter for AS: band width must be positive"
    );
    assert_eq!(
        bucketize_int(VR::LO, 0, 1, 0).unwrap_err().to_string(),
        "operation not supported for LO"
    );
}

/// A random date between 0001-01-01 and 9999-12-31.
fn random_date(rng: &mut StdRng) -> Date {
    let first = Date::new(1, 1, 1).unwrap().to_days();
    let last = Date::new(9999, 12, 31).unwrap().to_days();
    Date::from_days(rng.gen_range(first..=last)).unwrap()
}

#[test]
fn shift_round_trips_on_random_dates() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut checked = 0;
    for _ in 0..20_000 {
        let date = random_date(&mut rng).to_da();
        let days = rng.gen_range(-40_000..=40_000);
        let Ok(shifted) = shift_da(&date, days) else {
            continue;
        };
        assert!(is_valid_text(VR::DA, &shifted), "{shifted}");
        assert_eq!(shift_da(&shifted, -days).unwrap(), date, "{date} {days}");
        let day_count = parse_da(&shifted).unwrap().to_days() - parse_da(&date).unwrap().to_days();
        assert_eq!(day_count, i64::from(days));
        checked += 1;
    }
    assert!(checked > 19_000);
}

#[test]
fn shift_dt_round_trips_on_random_date_times() {
    let mut rng = StdRng::seed_from_u64(0xd7);
    let suffixes = [
        "",
        "13",
        "1307",
        "130759",
        "130759.5",
        "130759.000001+0100",
        "-1200",
    ];
    for _ in 0..5_000 {
        let date = random_date(&mut rng).to_da();
        let suffix = suffixes[rng.gen_range(0..suffixes.len())];
        let value = format!("{date}{suffix}");
        let days = rng.gen_range(-3_000..=3_000);
        let Ok(shifted) = shift_dt(&value, days) else {
            continue;
        };
        assert!(is_valid_text(VR::DT, &shifted), "{shifted}");
        assert!(shifted.ends_with(suffix));
        assert_eq!(shift_dt(&shifted, -days).unwrap(), value);
    }
}

#[test]
fn generalized_and_formatted_values_are_valid() {
    let mut rng = StdRng::seed_from_u64(0x9e);
    for _ in 0..2_000 {
        let date = random_date(&mut rng).to_da();
        for granularity in [DateGranularity::Month, DateGranularity::Year] {
            assert!(is_valid_text(
                VR::DA,
                &generalize_da(&date, granularity).unwrap()
            ));
            assert!(is_valid_text(
                VR::DT,
                &generalize_dt(&date, granularity).unwrap()
            ));
        }
        let number: f64 = rng.gen_range(-1e20..1e20) * 10f64.powi(rng.gen_range(-300..280));
        let text = format_ds(number).unwrap();
        assert!(is_valid_text(VR::DS, &text), "{number} {text}");
        let integer = rng.gen_range(i64::from(i32::MIN)..=i64::from(i32::MAX));
        assert!(is_valid_text(VR::IS, &format_is(integer).unwrap()));
        let age = format!(
            "{:03}{}",
            rng.gen_range(0..1000),
            ['D', 'W', 'M', 'Y'][rng.gen_range(0..4)]
        );
        let bucketed = bucketize_age(&age, rng.gen_range(1..30), Some(90)).unwrap();
        assert!(is_valid_text(VR::AS, &bucketed), "{bucketed}");
    }
    for hour in 0..24 {
        let tm = format!("{hour:02}3059.25");
        assert!(is_valid_text(VR::TM, &generalize_tm(&tm).unwrap()));
    }
}

#[test]
fn map_values_joins_and_propagates_errors() {
    assert_eq!(
        map_values("a\\b ", |v| Ok(v.to_uppercase())).unwrap(),
        "A\\B"
    );
    assert_eq!(map_values("", |v| Ok(v.to_owned())).unwrap(), "");
    assert!(map_values("a\\b", |_| Err(ValueError::Empty { vr: VR::LO })).is_err());
    assert_eq!(
        split_values("1\\2\\3  ").collect::<Vec<_>>(),
        vec!["1", "2", "3"]
    );
    assert_eq!(trim_padding("ab \0 "), "ab");
}
