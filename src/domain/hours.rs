//! Business hours: a time zone, a weekly schedule of opening intervals and holidays. Decides whether
//! the team is open at an instant and when it opens next, in the tenant's local time (DST included).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::tz::{days_from_civil, weekday, Zone};
use super::DomainError;

pub const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MAX_HOLIDAYS: usize = 200;
const MAX_INTERVALS: usize = 6;

/// As stored and as the API takes it: `{"timezone":"Asia/Tokyo","weekly":{"mon":[["09:00","18:00"]]},"holidays":["2026-12-25"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    pub timezone: String,
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct BusinessHours {
    zone: Zone,
    /// Per weekday (0 = Sunday): opening intervals in minutes after local midnight, `[start, end)`.
    weekly: [Vec<(i64, i64)>; 7],
    /// Local days (since 1970-01-01) that are closed all day.
    holidays: Vec<i64>,
}

fn minutes(raw: &str, field: &str, allow_24: bool) -> Result<i64, DomainError> {
    let bad = || DomainError::invalid(field, format!("{raw:?} is not a time like 09:00"));
    let (h, m) = raw.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (24, 0) if allow_24 => Ok(1440),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

pub fn parse_date(raw: &str) -> Option<i64> {
    let mut parts = raw.split('-');
    let (y, m, d) = (parts.next()?.parse::<i64>().ok()?, parts.next()?.parse::<u32>().ok()?, parts.next()?.parse::<u32>().ok()?);
    if parts.next().is_some() || raw.len() != 10 || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (super::tz::civil_from_days(days) == (y, m, d)).then_some(days)
}

impl BusinessHours {
    pub fn parse(spec: &HoursSpec) -> Result<BusinessHours, DomainError> {
        let zone = Zone::named(&spec.timezone).ok_or_else(|| DomainError::invalid("hours.timezone", format!("{:?} is not a known IANA time zone", spec.timezone)))?;
        let mut weekly: [Vec<(i64, i64)>; 7] = Default::default();
        for (day, intervals) in &spec.weekly {
            let index = DAYS.iter().position(|d| d == day).ok_or_else(|| DomainError::invalid("hours.weekly", format!("{day:?} is not one of sun, mon, tue, wed, thu, fri, sat")))?;
            if intervals.len() > MAX_INTERVALS {
                return Err(DomainError::invalid(format!("hours.weekly.{day}"), format!("at most {MAX_INTERVALS} intervals a day")));
            }
            let mut parsed = Vec::new();
            for (i, [start, end]) in intervals.iter().enumerate() {
                let field = format!("hours.weekly.{day}[{i}]");
                let (s, e) = (minutes(start, &field, false)?, minutes(end, &field, true)?);
                if e <= s {
                    return Err(DomainError::invalid(field, format!("{start}–{end} must end after it starts (split overnight hours at 24:00)")));
                }
                parsed.push((s, e));
            }
            parsed.sort();
            if parsed.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(DomainError::invalid(format!("hours.weekly.{day}"), "intervals overlap"));
            }
            weekly[index] = parsed;
        }
        if spec.holidays.len() > MAX_HOLIDAYS {
            return Err(DomainError::invalid("hours.holidays", format!("at most {MAX_HOLIDAYS} dates")));
        }
        let holidays = spec
            .holidays
            .iter()
            .enumerate()
            .map(|(i, h)| parse_date(h).ok_or_else(|| DomainError::invalid(format!("hours.holidays[{i}]"), format!("{h:?} is not a date like 2026-12-25"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BusinessHours { zone, weekly, holidays })
    }

    /// Hours that never open (what an unreadable stored schedule means).
    pub fn never_open() -> BusinessHours {
        BusinessHours { zone: Zone::parse_posix("UTC0").unwrap_or_else(|| unreachable!("UTC0 is a valid rule")), weekly: Default::default(), holidays: Vec::new() }
    }

    /// A stored schedule as usable hours, and what was wrong with it if anything. Never "always open"
    /// by accident: a zone this build lacks keeps the schedule, read in UTC; an unreadable schedule
    /// never opens.
    pub fn from_stored(stored: &str) -> (BusinessHours, Option<String>) {
        let spec: HoursSpec = match serde_json::from_str(stored) {
            Ok(spec) => spec,
            Err(e) => return (BusinessHours::never_open(), Some(format!("unreadable schedule ({e}); treated as closed"))),
        };
        match BusinessHours::parse(&spec) {
            Ok(hours) => (hours, None),
            Err(e) => {
                let problem = format!("{e:?}");
                match BusinessHours::parse(&HoursSpec { timezone: "UTC".into(), ..spec }) {
                    Ok(hours) => (hours, Some(format!("{problem}; the schedule is read in UTC"))),
                    Err(_) => (BusinessHours::never_open(), Some(format!("{problem}; treated as closed"))),
                }
            }
        }
    }

    pub fn is_open(&self, utc_ms: i64) -> bool {
        let utc = utc_ms.div_euclid(1000);
        let local = utc + self.zone.offset_at(utc);
        let day = local.div_euclid(86_400);
        let minute = local.rem_euclid(86_400) / 60;
        !self.holidays.contains(&day) && self.weekly[weekday(day) as usize].iter().any(|(s, e)| minute >= *s && minute < *e)
    }

    /// When the team next opens after `utc_ms` (within two weeks), in UTC milliseconds.
    pub fn next_open(&self, utc_ms: i64) -> Option<i64> {
        let utc = utc_ms.div_euclid(1000);
        let today = (utc + self.zone.offset_at(utc)).div_euclid(86_400);
        for day in today..today + 15 {
            if self.holidays.contains(&day) {
                continue;
            }
            for (start, _) in &self.weekly[weekday(day) as usize] {
                let local = day * 86_400 + start * 60;
                // The offset at the opening instant: guess with the offset now, then correct once.
                let guess = local - self.zone.offset_at(utc);
                let at = local - self.zone.offset_at(guess);
                if at > utc {
                    return Some(at * 1000);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(tz: &str, weekly: &[(&str, &[(&str, &str)])], holidays: &[&str]) -> HoursSpec {
        HoursSpec {
            timezone: tz.into(),
            weekly: weekly.iter().map(|(d, iv)| (d.to_string(), iv.iter().map(|(a, b)| [a.to_string(), b.to_string()]).collect())).collect(),
            holidays: holidays.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn at(y: i64, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        (days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60) * 1000
    }

    #[test]
    fn open_inside_intervals_in_local_time() {
        // Tokyo, Monday 2026-11-23 09:00–18:00 local = 00:00–09:00 UTC.
        let h = BusinessHours::parse(&spec("Asia/Tokyo", &[("mon", &[("09:00", "18:00")])], &[])).unwrap();
        assert!(!h.is_open(at(2026, 11, 22, 23, 59)));
        assert!(h.is_open(at(2026, 11, 23, 0, 0)));
        assert!(h.is_open(at(2026, 11, 23, 8, 59)));
        assert!(!h.is_open(at(2026, 11, 23, 9, 0)), "the end is exclusive");
    }

    #[test]
    fn midnight_edges() {
        // Open late Friday until midnight and early Saturday from midnight (UTC zone for clarity).
        let h = BusinessHours::parse(&spec("UTC", &[("fri", &[("20:00", "24:00")]), ("sat", &[("00:00", "02:00")])], &[])).unwrap();
        assert!(h.is_open(at(2026, 11, 27, 23, 59)), "Friday 23:59");
        assert!(h.is_open(at(2026, 11, 28, 0, 0)), "Saturday 00:00");
        assert!(!h.is_open(at(2026, 11, 28, 2, 0)));
        assert!(!h.is_open(at(2026, 11, 27, 0, 0)), "Friday 00:00 is closed");
    }

    #[test]
    fn dst_change_keeps_local_opening_hours() {
        // New York, Monday 09:00 local: 14:00 UTC in winter, 13:00 UTC after DST starts (2026-03-08).
        let h = BusinessHours::parse(&spec("America/New_York", &[("mon", &[("09:00", "17:00")])], &[])).unwrap();
        assert!(h.is_open(at(2026, 3, 2, 14, 0)) && !h.is_open(at(2026, 3, 2, 13, 59)), "before DST");
        assert!(h.is_open(at(2026, 3, 9, 13, 0)) && !h.is_open(at(2026, 3, 9, 12, 59)), "after DST");
        // Next opening computed across the change: Sunday 2026-03-08 10:00 UTC → Monday 13:00 UTC.
        assert_eq!(h.next_open(at(2026, 3, 8, 10, 0)), Some(at(2026, 3, 9, 13, 0)));
    }

    #[test]
    fn holidays_close_the_whole_local_day() {
        let h = BusinessHours::parse(&spec("Europe/Berlin", &[("fri", &[("09:00", "17:00")])], &["2026-12-25"])).unwrap();
        assert!(!h.is_open(at(2026, 12, 25, 10, 0)), "Christmas Friday");
        assert!(h.is_open(at(2026, 12, 18, 10, 0)), "the Friday before");
        assert_eq!(h.next_open(at(2026, 12, 25, 10, 0)), Some(at(2027, 1, 1, 8, 0)));
    }

    #[test]
    fn never_open_has_no_next_opening() {
        let h = BusinessHours::parse(&spec("UTC", &[], &[])).unwrap();
        assert!(!h.is_open(at(2026, 1, 1, 12, 0)));
        assert_eq!(h.next_open(at(2026, 1, 1, 12, 0)), None);
    }

    #[test]
    fn precise_errors() {
        let err = |s: HoursSpec| match BusinessHours::parse(&s) {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(err(spec("Mars/Base", &[], &[])), "hours.timezone");
        // Stored by an older build with a zone this one lacks: never "always open".
        let stored = r#"{"timezone":"Mars/Base","weekly":{"mon":[["09:00","17:00"]]}}"#;
        let (hours, problem) = BusinessHours::from_stored(stored);
        assert!(problem.is_some_and(|p| p.contains("UTC")));
        let monday_noon_utc = days_from_civil(2026, 11, 23) * 86_400_000 + 12 * 3_600_000;
        let sunday_noon_utc = days_from_civil(2026, 11, 22) * 86_400_000 + 12 * 3_600_000;
        assert!(hours.is_open(monday_noon_utc) && !hours.is_open(sunday_noon_utc));
        let (broken, problem) = BusinessHours::from_stored("{not json");
        assert!(problem.is_some() && !broken.is_open(monday_noon_utc), "unreadable: closed");
        assert_eq!(err(spec("UTC", &[("funday", &[])], &[])), "hours.weekly");
        assert_eq!(err(spec("UTC", &[("mon", &[("9:00", "17:00")])], &[])), "hours.weekly.mon[0]");
        assert_eq!(err(spec("UTC", &[("mon", &[("18:00", "09:00")])], &[])), "hours.weekly.mon[0]");
        assert_eq!(err(spec("UTC", &[("mon", &[("24:00", "24:00")])], &[])), "hours.weekly.mon[0]");
        assert_eq!(err(spec("UTC", &[("mon", &[("09:00", "12:00"), ("11:00", "13:00")])], &[])), "hours.weekly.mon");
        assert_eq!(err(spec("UTC", &[], &["2026-02-30"])), "hours.holidays[0]");
    }
}
