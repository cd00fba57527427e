//! Dates and times: DA, TM and DT.
//!
//! - **DA** `YYYYMMDD`; the legacy `YYYY.MM.DD` (ACR-NEMA) is accepted on
//!   input and never written.
//! - **TM** `HH`, `HHMM`, `HHMMSS` or `HHMMSS.F` with 1 to 6 fraction
//!   digits; the legacy `HH:MM` and `HH:MM:SS[.F]` are accepted on input.
//!   Seconds go up to 60 (leap second), as PS3.5 allows.
//! - **DT** `YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]` with `&` being `+` or
//!   `-` and the offset within `-1200..=+1400`.
//!
//! Day arithmetic uses the proleptic Gregorian calendar through the
//! days-from-civil algorithm (day 0 is 1970-01-01). Years are restricted to
//! [`MIN_YEAR`]`..=`[`MAX_YEAR`] on input and after shifting.
//!
//! Precision of shifted and generalized values:
//!
//! | operation         | input            | output                                    |
//! |-------------------|------------------|-------------------------------------------|
//! | [`shift_da`]      | `YYYYMMDD`       | `YYYYMMDD`                                |
//! | [`shift_dt`]      | any DT           | same precision; time and offset as written |
//! | [`shift_dt`]      | `YYYY`, `YYYYMM` | the first day of the year/month is shifted and the result truncated to `YYYY`/`YYYYMM` |
//! | [`generalize_da`] | `YYYYMMDD`       | `YYYYMM01` (month) or `YYYY0101` (year)   |
//! | [`generalize_dt`] | any DT           | `YYYYMM01000000` or `YYYY0101000000`, without offset |
//! | [`generalize_tm`] | any TM           | `HH0000`                                  |
//!
//! Shifting a `YYYY` or `YYYYMM` DT is not reversible: `2020` shifted by
//! +10 days is `2020`, which shifted by -10 days is `2019`.
//!
//! Generalized DT values are full-precision (`YYYYMMDDHHMMSS`) so that
//! software expecting complete date-times can read them; the UTC offset is
//! dropped because it hints at the acquisition site and means little at a
//! granularity of a month. A `YYYY` DT generalized to the month becomes
//! January of that year.

use dicom_core::VR;

use super::{Result, malformed, map_values, non_empty, out_of_range};

/// Smallest year accepted on input and produced by shifting.
pub const MIN_YEAR: u16 = 1;

/// Largest year accepted on input and produced by shifting.
pub const MAX_YEAR: u16 = 9999;

/// Days from 0000-03-01 to 1970-01-01 in the days-from-civil algorithm.
const UNIX_EPOCH_OFFSET: i64 = 719_468;

/// Days in a 400-year Gregorian era.
const DAYS_PER_ERA: i64 = 146_097;

/// Granularity of date generalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateGranularity {
    /// Keep the year and month; the day becomes the first of the month.
    Month,
    /// Keep the year; the date becomes January 1st.
    Year,
}

/// Whether `year` is a leap year of the proleptic Gregorian calendar.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days of `month` (1 to 12) in `year`, `None` for another month.
pub fn days_in_month(year: i64, month: u8) -> Option<u8> {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if is_leap_year(year) => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
///
/// `month` must be 1 to 12; the result is meaningful for valid dates only.
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - UNIX_EPOCH_OFFSET
}

/// Civil date `(year, month, day)` of a day count since 1970-01-01.
///
/// `None` only when the day count is too large to process.
fn civil_from_days(days: i64) -> Option<(i64, u8, u8)> {
    let days = days.checked_add(UNIX_EPOCH_OFFSET)?;
    let era = days.div_euclid(DAYS_PER_ERA);
    let day_of_era = days - era * DAYS_PER_ERA;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era.checked_add(era.checked_mul(400)?)?;
    let year = if month <= 2 { year + 1 } else { year };
    Some((year, u8::try_from(month).ok()?, u8::try_from(day).ok()?))
}

/// A calendar date of the proleptic Gregorian calendar, years
/// [`MIN_YEAR`]`..=`[`MAX_YEAR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 1 to 9999.
    year: u16,
    /// Month, 1 to 12.
    month: u8,
    /// Day of the month, 1 to 31.
    day: u8,
}

impl Date {
    /// A date, or `None` when the year is out of range or the day does not
    /// exist.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        let last = days_in_month(i64::from(year), month)?;
        (1..=last)
            .contains(&day)
            .then_some(Self { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        days_from_civil(i64::from(self.year), self.month, self.day)
    }

    /// The date `days` days after 1970-01-01, `None` outside the year range.
    pub fn from_days(days: i64) -> Option<Self> {
        let (year, month, day) = civil_from_days(days)?;
        Self::new(u16::try_from(year).ok()?, month, day)
    }

    /// The date `days` days later (earlier when negative), `None` outside
    /// the year range.
    pub fn checked_add_days(self, days: i32) -> Option<Self> {
        Self::from_days(self.to_days().checked_add(i64::from(days))?)
    }

    /// The date as a DA value, `YYYYMMDD`.
    pub fn to_da(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// The first day of the month (or of the year) of this date.
    fn generalize(self, granularity: DateGranularity) -> Self {
        match granularity {
            DateGranularity::Month => Self { day: 1, ..self },
            DateGranularity::Year => Self {
                month: 1,
                day: 1,
                ..self
            },
        }
    }
}

/// Parses a fixed-width field of ASCII digits.
fn digits(field: &str) -> Option<u32> {
    if field.is_empty() || field.len() > 9 || !field.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    field.parse().ok()
}

/// Parses a fixed-width field of ASCII digits that must fit `max`.
fn bounded(vr: VR, field: &str, max: u32, what: &'static str) -> Result<u8> {
    let number = digits(field).ok_or(malformed(vr, "non-digit characters"))?;
    if number > max {
        return Err(out_of_range(vr, what));
    }
    u8::try_from(number).map_err(|_| out_of_range(vr, what))
}

/// Builds a date from its year, month and day fields, checking each.
fn date_from_fields(vr: VR, year: &str, month: &str, day: &str) -> Result<Date> {
    let year = digits(year).ok_or(malformed(vr, "non-digit characters"))?;
    let year = u16::try_from(year)
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
        .ok_or(out_of_range(vr, "year outside 0001..=9999"))?;
    let month = bounded(vr, month, 12, "month outside 01..=12")?;
    if month == 0 {
        return Err(out_of_range(vr, "month outside 01..=12"));
    }
    let day = bounded(vr, day, 31, "day outside the month")?;
    Date::new(year, month, day).ok_or(out_of_range(vr, "day outside the month"))
}

/// Splits a DA value into its year, month and day fields.
fn da_fields(value: &str) -> Option<(&str, &str, &str)> {
    match value.len() {
        8 => Some((value.get(0..4)?, value.get(4..6)?, value.get(6..8)?)),
        10 => {
            let mut parts = value.split('.');
            let fields = (parts.next()?, parts.next()?, parts.next()?);
            let widths_ok = fields.0.len() == 4 && fields.1.len() == 2 && fields.2.len() == 2;
            (parts.next().is_none() && widths_ok).then_some(fields)
        }
        _ => None,
    }
}

/// Parses one DA value (`YYYYMMDD`, or the legacy `YYYY.MM.DD`).
pub fn parse_da(value: &str) -> Result<Date> {
    let value = non_empty(VR::DA, value)?;
    let (year, month, day) = da_fields(value).ok_or(malformed(VR::DA, "expected yyyymmdd"))?;
    date_from_fields(VR::DA, year, month, day)
}

/// Shifts a date by whole days, failing outside the year range.
fn shift_date(vr: VR, date: Date, days: i32) -> Result<Date> {
    date.checked_add_days(days)
        .ok_or(out_of_range(vr, "shifted date outside years 0001..=9999"))
}

/// Shifts one DA value by `days` days (negative: earlier).
pub fn shift_da(value: &str, days: i32) -> Result<String> {
    Ok(shift_date(VR::DA, parse_da(value)?, days)?.to_da())
}

/// Shifts each value of a multi-valued DA by `days` days.
pub fn shift_da_values(value: &str, days: i32) -> Result<String> {
    map_values(value, |v| shift_da(v, days))
}

/// Generalizes one DA value to the first day of its month or year.
pub fn generalize_da(value: &str, granularity: DateGranularity) -> Result<String> {
    Ok(parse_da(value)?.generalize(granularity).to_da())
}

/// Generalizes each value of a multi-valued DA.
pub fn generalize_da_values(value: &str, granularity: DateGranularity) -> Result<String> {
    map_values(value, |v| generalize_da(v, granularity))
}

/// Decimal fraction of a second as written: 1 to 6 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    /// The digits as a number.
    value: u32,
    /// How many digits were written, 1 to 6.
    digits: u8,
}

impl Fraction {
    /// Parses 1 to 6 ASCII digits.
    fn parse(vr: VR, field: &str) -> Result<Self> {
        if !(1..=6).contains(&field.len()) {
            return Err(malformed(
                vr,
                "fraction of a second must have 1 to 6 digits",
            ));
        }
        let value = digits(field).ok_or(malformed(vr, "non-digit characters"))?;
        let digits = u8::try_from(field.len()).map_err(|_| malformed(vr, "bad fraction"))?;
        Ok(Self { value, digits })
    }

    /// The fraction in microseconds.
    pub fn micros(self) -> u32 {
        let scale = 10u32.pow(6u32.saturating_sub(u32::from(self.digits)));
        self.value.saturating_mul(scale)
    }
}

/// A time of day with the precision it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Hour, 0 to 23.
    hour: u8,
    /// Minute, 0 to 59.
    minute: Option<u8>,
    /// Second, 0 to 60; only with a minute.
    second: Option<u8>,
    /// Fraction of a second; only with a second.
    fraction: Option<Fraction>,
}

impl Time {
    /// The hour, 0 to 23.
    pub fn hour(self) -> u8 {
        self.hour
    }

    /// The minute, if written.
    pub fn minute(self) -> Option<u8> {
        self.minute
    }

    /// The second (0 to 60), if written.
    pub fn second(self) -> Option<u8> {
        self.second
    }

    /// The fraction of a second, if written.
    pub fn fraction(self) -> Option<Fraction> {
        self.fraction
    }

    /// The time as a TM value with its precision.
    pub fn to_tm(self) -> String {
        let mut out = format!("{:02}", self.hour);
        if let Some(minute) = self.minute {
            out.push_str(&format!("{minute:02}"));
        }
        if let Some(second) = self.second {
            out.push_str(&format!("{second:02}"));
        }
        if let Some(fraction) = self.fraction {
            let width = usize::from(fraction.digits);
            out.push_str(&format!(".{:0width$}", fraction.value));
        }
        out
    }
}

/// Parses the canonical `HH[MM[SS[.F{1,6}]]]` form.
fn parse_time_strict(vr: VR, value: &str) -> Result<Time> {
    let (main, fraction) = match value.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (value, None),
    };
    if !matches!(main.len(), 2 | 4 | 6) || (fraction.is_some() && main.len() != 6) {
        return Err(malformed(vr, "expected hh[mm[ss[.ffffff]]]"));
    }
    let field = |range: std::ops::Range<usize>| main.get(range).unwrap_or_default();
    let hour = bounded(vr, field(0..2), 23, "hour outside 00..=23")?;
    let minute = match main.len() >= 4 {
        true => Some(bounded(vr, field(2..4), 59, "minute outside 00..=59")?),
        false => None,
    };
    let second = match main.len() == 6 {
        true => Some(bounded(vr, field(4..6), 60, "second outside 00..=60")?),
        false => None,
    };
    let fraction = fraction.map(|f| Fraction::parse(vr, f)).transpose()?;
    Ok(Time {
        hour,
        minute,
        second,
        fraction,
    })
}

/// Rewrites the legacy `HH:MM[:SS][.F]` form without colons.
fn strip_legacy_colons(value: &str) -> Option<String> {
    let (main, fraction) = match value.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (value, None),
    };
    let parts: Vec<&str> = main.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let mut out = parts.concat();
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    Some(out)
}

/// Parses one TM value (canonical, or the legacy form with colons).
pub fn parse_tm(value: &str) -> Result<Time> {
    let value = non_empty(VR::TM, value)?;
    if value.contains(':') {
        let canonical =
            strip_legacy_colons(value).ok_or(malformed(VR::TM, "expected hh:mm[:ss]"))?;
        return parse_time_strict(VR::TM, &canonical);
    }
    parse_time_strict(VR::TM, value)
}

/// Generalizes one TM value to the hour: `HH0000`.
pub fn generalize_tm(value: &str) -> Result<String> {
    Ok(format!("{:02}0000", parse_tm(value)?.hour))
}

/// Generalizes each value of a multi-valued TM to the hour.
pub fn generalize_tm_values(value: &str) -> Result<String> {
    map_values(value, generalize_tm)
}

/// Offset from UTC of a DT value, `-1200` to `+1400`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcOffset {
    /// Whether the sign was `-`.
    negative: bool,
    /// Hours, 0 to 14.
    hours: u8,
    /// Minutes, 0 to 59.
    minutes: u8,
}

impl UtcOffset {
    /// Parses `&ZZXX`.
    fn parse(value: &str) -> Result<Self> {
        let negative = match value.get(0..1) {
            Some("-") => true,
            Some("+") => false,
            _ => return Err(malformed(VR::DT, "bad utc offset sign")),
        };
        if value.len() != 5 {
            return Err(malformed(VR::DT, "utc offset must be &zzxx"));
        }
        let field = |range: std::ops::Range<usize>| value.get(range).unwrap_or_default();
        let hours = bounded(VR::DT, field(1..3), 14, "utc offset outside -1200..=+1400")?;
        let minutes = bounded(
            VR::DT,
            field(3..5),
            59,
            "utc offset minutes outside 00..=59",
        )?;
        let total = u32::from(hours) * 60 + u32::from(minutes);
        if total > if negative { 12 * 60 } else { 14 * 60 } {
            return Err(out_of_range(VR::DT, "utc offset outside -1200..=+1400"));
        }
        Ok(Self {
            negative,
            hours,
            minutes,
        })
    }

    /// Offset in minutes east of UTC.
    pub fn minutes_east(self) -> i32 {
        let magnitude = i32::from(self.hours) * 60 + i32::from(self.minutes);
        if self.negative { -magnitude } else { magnitude }
    }

    /// The offset as written in a DT value, `&ZZXX`.
    fn to_dt_suffix(self) -> String {
        let sign = if self.negative { '-' } else { '+' };
        format!("{sign}{:02}{:02}", self.hours, self.minutes)
    }
}

/// A DT value with the precision it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Year, 1 to 9999.
    year: u16,
    /// Month, if written.
    month: Option<u8>,
    /// Day, if written (only with a month).
    day: Option<u8>,
    /// Time, if written (only with a day).
    time: Option<Time>,
    /// UTC offset, if written.
    offset: Option<UtcOffset>,
}

impl DateTime {
    /// The date, with the first month and day standing in for the missing
    /// ones.
    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month.unwrap_or(1),
            day: self.day.unwrap_or(1),
        }
    }

    /// The time, if written.
    pub fn time(self) -> Option<Time> {
        self.time
    }

    /// The UTC offset, if written.
    pub fn offset(self) -> Option<UtcOffset> {
        self.offset
    }

    /// The value as a DT string with its precision.
    pub fn to_dt(self) -> String {
        let mut out = format!("{:04}", self.year);
        if let Some(month) = self.month {
            out.push_str(&format!("{month:02}"));
        }
        if let Some(day) = self.day {
            out.push_str(&format!("{day:02}"));
        }
        if let Some(time) = self.time {
            out.push_str(&time.to_tm());
        }
        if let Some(offset) = self.offset {
            out.push_str(&offset.to_dt_suffix());
        }
        out
    }

    /// The same precision, time and offset on another date.
    fn with_date(self, date: Date) -> Self {
        Self {
            year: date.year,
            month: self.month.map(|_| date.month),
            day: self.day.map(|_| date.day),
            ..self
        }
    }
}

/// Parses the date and time part of a DT value (without offset).
fn parse_dt_body(body: &str) -> Result<DateTime> {
    let main_len = body.find('.').unwrap_or(body.len());
    if !matches!(main_len, 4 | 6 | 8 | 10 | 12 | 14) || (main_len <= 8 && main_len != body.len()) {
        return Err(malformed(
            VR::DT,
            "expected yyyy[mm[dd[hh[mm[ss[.ffffff]]]]]]",
        ));
    }
    let field = |range: std::ops::Range<usize>| body.get(range).unwrap_or_default();
    let (month, day) = (field(4..6), field(6..8));
    let date = date_from_fields(
        VR::DT,
        field(0..4),
        if month.is_empty() { "01" } else { month },
        if day.is_empty() { "01" } else { day },
    )?;
    let time = match body.get(8..) {
        Some(rest) if !rest.is_empty() => Some(parse_time_strict(VR::DT, rest)?),
        _ => None,
    };
    Ok(DateTime {
        year: date.year,
        month: (!month.is_empty()).then_some(date.month),
        day: (!day.is_empty()).then_some(date.day),
        time,
        offset: None,
    })
}

/// Parses one DT value.
pub fn parse_dt(value: &str) -> Result<DateTime> {
    let value = non_empty(VR::DT, value)?;
    let (body, offset) = match value.find(['+', '-']) {
        Some(at) => {
            let (body, offset) = value
                .split_at_checked(at)
                .ok_or(malformed(VR::DT, "bad utc offset"))?;
            (body, Some(UtcOffset::parse(offset)?))
        }
        None => (value, None),
    };
    Ok(DateTime {
        offset,
        ..parse_dt_body(body)?
    })
}

/// Shifts one DT value by `days` days, keeping its precision, time and
/// offset (see the module documentation for `YYYY` and `YYYYMM` values).
pub fn shift_dt(value: &str, days: i32) -> Result<String> {
    let parsed = parse_dt(value)?;
    let shifted = shift_date(VR::DT, parsed.first_day(), days)?;
    Ok(parsed.with_date(shifted).to_dt())
}

/// Shifts each value of a multi-valued DT by `days` days.
pub fn shift_dt_values(value: &str, days: i32) -> Result<String> {
    map_values(value, |v| shift_dt(v, days))
}

/// Generalizes one DT value to `YYYYMM01000000` (month) or
/// `YYYY0101000000` (year), dropping time and UTC offset.
pub fn generalize_dt(value: &str, granularity: DateGranularity) -> Result<String> {
    let date = parse_dt(value)?.first_day().generalize(granularity);
    Ok(format!("{}000000", date.to_da()))
}

/// Generalizes each value of a multi-valued DT.
pub fn generalize_dt_values(value: &str, granularity: DateGranularity) -> Result<String> {
    map_values(value, |v| generalize_dt(v, granularity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::ValueError;

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2100));
        assert!(!is_leap_year(2023));
        assert_eq!(days_in_month(2024, 2), Some(29));
        assert_eq!(days_in_month(1900, 2), Some(28));
        assert_eq!(days_in_month(2024, 13), None);
    }

    #[test]
    fn epoch_and_known_day_counts() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().to_days(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().to_days(), 11_017);
        assert_eq!(Date::new(1969, 12, 31).unwrap().to_days(), -1);
        assert_eq!(Date::new(1, 1, 1).unwrap().to_days(), -719_162);
        assert_eq!(Date::from_days(-719_162), Date::new(1, 1, 1));
        assert_eq!(Date::from_days(-719_163), None);
        assert_eq!(Date::from_days(2_932_896), Date::new(9999, 12, 31));
        assert_eq!(Date::from_days(2_932_897), None);
        assert_eq!(Date::from_days(i64::MAX), None);
        assert_eq!(Date::from_days(i64::MIN), None);
    }

    #[test]
    fn every_day_round_trips() {
        let first = Date::new(1, 1, 1).unwrap().to_days();
        let last = Date::new(9999, 12, 31).unwrap().to_days();
        let mut previous: Option<Date> = None;
        for days in first..=last {
            let date = Date::from_days(days).unwrap();
            assert_eq!(date.to_days(), days);
            if let Some(previous) = previous {
                assert!(previous < date);
            }
            previous = Some(date);
        }
    }

    #[test]
    fn parse_da_forms() {
        assert_eq!(
            parse_da("20240229").unwrap(),
            Date::new(2024, 2, 29).unwrap()
        );
        assert_eq!(
            parse_da("2024.02.29").unwrap(),
            Date::new(2024, 2, 29).unwrap()
        );
        assert_eq!(
            parse_da("20240229  ").unwrap(),
            Date::new(2024, 2, 29).unwrap()
        );
        assert!(matches!(
            parse_da("20230229"),
            Err(ValueError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_da("00000101"),
            Err(ValueError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_da("20241301"),
            Err(ValueError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_da("20240001"),
            Err(ValueError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_da("20240100"),
            Err(ValueError::OutOfRange { .. })
        ));
        assert!(matches!(parse_da(""), Err(ValueError::Empty { .. })));
        assert!(parse_da("2024-02-29").is_err());
        assert!(parse_da("2024.0229").is_err());
        assert!(parse_da("+2024022").is_err());
        assert!(parse_da(" 20240229").is_err());
        assert!(parse_da("20240101-20241231").is_err());
    }

    #[test]
    fn shift_da_leap_years() {
        assert_eq!(shift_da("20240229", 365).unwrap(), "20250228");
        assert_eq!(shift_da("20240229", 366).unwrap(), "20250301");
        assert_eq!(shift_da("20240229", -366).unwrap(), "20230228");
        assert_eq!(shift_da("20000229", 1).unwrap(), "20000301");
        assert_eq!(shift_da("20000228", 1).unwrap(), "20000229");
        assert_eq!(shift_da("20000229", 366).unwrap(), "20010301");
        assert_eq!(shift_da("19000228", 1).unwrap(), "19000301");
        assert_eq!(shift_da("21000228", 1).unwrap(), "21000301");
        assert_eq!(shift_da("20231231", 1).unwrap(), "20240101");
        assert_eq!(shift_da("20240101", -1).unwrap(), "20231231");
        assert_eq!(shift_da("2024.03.01", -1).unwrap(), "20240229");
        assert_eq!(shift_da("20240315", 0).unwrap(), "20240315");
        assert_eq!(shift_da("19700101", 11_017).unwrap(), "20000301");
    }

    #[test]
    fn shift_da_range() {
        assert_eq!(shift_da("00010102", -1).unwrap(), "00010101");
        assert!(matches!(
            shift_da("00010101", -1),
            Err(ValueError::OutOfRange { .. })
        ));
        assert_eq!(shift_da("99991230", 1).unwrap(), "99991231");
        assert!(matches!(
            shift_da("99991231", 1),
            Err(ValueError::OutOfRange { .. })
        ));
        assert!(shift_da("20240101", i32::MAX).is_err());
        assert!(shift_da("20240101", i32::MIN).is_err());
    }

    #[test]
    fn multi_valued_dates() {
        assert_eq!(
            shift_da_values("20240228\\20240229\\20240301 ", 1).unwrap(),
            "20240229\\20240301\\20240302"
        );
        assert_eq!(
            generalize_da_values("20240229\\19991231", DateGranularity::Year).unwrap(),
            "20240101\\19990101"
        );
        assert!(shift_da_values("20240101\\", 1).is_err());
        assert!(shift_da_values("20240101\\bad", 1).is_err());
    }

    #[test]
    fn generalize_da_granularities() {
        assert_eq!(
            generalize_da("20240229", DateGranularity::Month).unwrap(),
            "20240201"
        );
        assert_eq!(
            generalize_da("20240229", DateGranularity::Year).unwrap(),
            "20240101"
        );
        assert_eq!(
            generalize_da("1999.12.31", DateGranularity::Month).unwrap(),
            "19991201"
        );
    }

    #[test]
    fn parse_tm_forms() {
        assert_eq!(parse_tm("07").unwrap().to_tm(), "07");
        assert_eq!(parse_tm("0705").unwrap().to_tm(), "0705");
        assert_eq!(parse_tm("070559").unwrap().to_tm(), "070559");
        assert_eq!(parse_tm("070560").unwrap().second(), Some(60));
        assert_eq!(parse_tm("070559.1").unwrap().to_tm(), "070559.1");
        assert_eq!(parse_tm("070559.000120").unwrap().to_tm(), "070559.000120");
        assert_eq!(
            parse_tm("070559.000120")
                .unwrap()
                .fraction()
                .unwrap()
                .micros(),
            120
        );
        assert_eq!(
            parse_tm("070559.5").unwrap().fraction().unwrap().micros(),
            500_000
        );
        assert_eq!(parse_tm("07:05:59 ").unwrap().to_tm(), "070559");
        assert_eq!(parse_tm("07:05").unwrap().to_tm(), "0705");
        assert_eq!(parse_tm("07:05:59.25").unwrap().to_tm(), "070559.25");
        for bad in [
            "7",
            "070",
            "24",
            "0760",
            "070561",
            "070559.",
            "070559.1234567",
            "0705.5",
            "07:5:59",
            "07:05:59:00",
            "0a",
            "07 05",
            ":",
            "07::",
            "07:05:",
        ] {
            assert!(parse_tm(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generalize_tm_to_hour() {
        assert_eq!(generalize_tm("235959.999999").unwrap(), "230000");
        assert_eq!(generalize_tm("07").unwrap(), "070000");
        assert_eq!(generalize_tm("07:30:00").unwrap(), "070000");
        assert_eq!(
            generalize_tm_values("0712\\1800").unwrap(),
            "070000\\180000"
        );
    }

    #[test]
    fn parse_dt_precisions_round_trip() {
        for value in [
            "2024",
            "202402",
            "20240229",
            "2024022913",
            "202402291307",
            "20240229130759",
            "20240229130759.1",
            "20240229130759.123456",
            "20240229130759.123456+1400",
            "2024-1200",
            "202402+0530",
            "20240229130759-0000",
        ] {
            assert_eq!(parse_dt(value).unwrap().to_dt(), value);
        }
        assert_eq!(
            parse_dt("20240229130759+0100")
                .unwrap()
                .offset()
                .unwrap()
                .minutes_east(),
            60
        );
        assert_eq!(
            parse_dt("2024-0330")
                .unwrap()
                .offset()
                .unwrap()
                .minutes_east(),
            -210
        );
    }

    #[test]
    fn parse_dt_rejects() {
        for bad in [
            "",
            "202",
            "20240",
            "2024022",
            "20240230",
            "202413",
            "2024022924",
            "20240229.5",
            "2024022913.5",
            "20240229130759.",
            "20240229130759.1234567",
            "2024+1401",
            "2024-1201",
            "2024+0160",
            "2024+01",
            "2024+01000",
            "2024++0100",
            "+0100",
            "0000",
            "2024 0229",
        ] {
            assert!(parse_dt(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shift_dt_keeps_precision_time_and_offset() {
        assert_eq!(
            shift_dt("20240229130759.123+0100", 365).unwrap(),
            "20250228130759.123+0100"
        );
        assert_eq!(
            shift_dt("20240228235959-0500", 1).unwrap(),
            "20240229235959-0500"
        );
        assert_eq!(shift_dt("1900022812", 1).unwrap(), "1900030112");
        assert_eq!(shift_dt("20240229", -365).unwrap(), "20230301");
        assert_eq!(shift_dt("202402", 29).unwrap(), "202403");
        assert_eq!(shift_dt("202402+0200", 28).unwrap(), "202402+0200");
        assert_eq!(shift_dt("2020", 400).unwrap(), "2021");
        assert_eq!(shift_dt("2020", -1).unwrap(), "2019");
        assert_eq!(shift_dt("20240229 ", 0).unwrap(), "20240229");
        assert!(shift_dt("9999", 365).is_err());
        assert_eq!(
            shift_dt_values("20240101\\20240102+0100", -1).unwrap(),
            "20231231\\20240101+0100"
        );
    }

    #[test]
    fn generalize_dt_granularities() {
        let month = DateGranularity::Month;
        let year = DateGranularity::Year;
        assert_eq!(
            generalize_dt("20240229130759.5+0100", month).unwrap(),
            "20240201000000"
        );
        assert_eq!(
            generalize_dt("20240229130759.5+0100", year).unwrap(),
            "20240101000000"
        );
        assert_eq!(generalize_dt("2024", month).unwrap(), "20240101000000");
        assert_eq!(generalize_dt("202407", month).unwrap(), "20240701000000");
        assert_eq!(
            generalize_dt_values("2024\\19991231", year).unwrap(),
            "20240101000000\\19990101000000"
        );
    }
}
