//! Time zones without a time-zone database crate: each IANA zone maps to its current POSIX TZ rule
//! (`tz_data.rs`, generated from tzdata), which this module evaluates, DST included. Business hours
//! only ever ask about now and the next days, which the current rule answers exactly.

use super::tz_data::{NAMES, RULES, RULE_OF};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// `Mm.w.d`: weekday d (0 = Sunday) of week w (5 = last) of month m.
    MonthWeek { month: u32, week: u32, weekday: u32 },
    /// `Jn`: day n of the year, 1–365, February 29 never counted.
    Julian1(u32),
    /// `n`: day n of the year, 0–365, leap days counted.
    Julian0(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    day: Day,
    /// Local wall-clock seconds after midnight (may be negative or past 24 h).
    time: i64,
}

/// A parsed POSIX TZ rule. Offsets are seconds east of UTC (local = UTC + offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    std_offset: i64,
    dst: Option<(i64, Change, Change)>,
}

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// 0 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn month_days(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn number(&mut self) -> Option<i64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).ok()?.parse().ok()
    }
    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            while self.peek()? != b'>' {
                self.i += 1;
            }
            self.i += 1;
            return Some(());
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        (self.i - start >= 3).then_some(())
    }
    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn hms(&mut self) -> Option<i64> {
        let sign = if self.eat(b'-') { -1 } else { self.eat(b'+'); 1 };
        let mut secs = self.number()? * 3600;
        if self.eat(b':') {
            secs += self.number()? * 60;
            if self.eat(b':') {
                secs += self.number()?;
            }
        }
        Some(sign * secs)
    }
    fn change(&mut self) -> Option<Change> {
        let day = if self.eat(b'M') {
            let month = self.number()? as u32;
            self.eat(b'.').then_some(())?;
            let week = self.number()? as u32;
            self.eat(b'.').then_some(())?;
            let weekday = self.number()? as u32;
            ((1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6).then_some(Day::MonthWeek { month, week, weekday })?
        } else if self.eat(b'J') {
            Day::Julian1(self.number()? as u32)
        } else {
            Day::Julian0(self.number()? as u32)
        };
        let time = if self.eat(b'/') { self.hms()? } else { 7200 };
        Some(Change { day, time })
    }
}

impl Zone {
    /// Parses a POSIX TZ rule such as `CET-1CEST,M3.5.0,M10.5.0/3`.
    pub fn parse_posix(rule: &str) -> Option<Zone> {
        let mut c = Cursor { s: rule.as_bytes(), i: 0 };
        c.name()?;
        let std_offset = -c.hms()?;
        if c.peek().is_none() {
            return Some(Zone { std_offset, dst: None });
        }
        c.name()?;
        let dst_offset = if matches!(c.peek(), Some(b'+' | b'-' | b'0'..=b'9')) { -c.hms()? } else { std_offset + 3600 };
        c.eat(b',').then_some(())?;
        let start = c.change()?;
        c.eat(b',').then_some(())?;
        let end = c.change()?;
        (c.peek().is_none()).then_some(Zone { std_offset, dst: Some((dst_offset, start, end)) })
    }

    /// The zone of an IANA name (`Asia/Tokyo`), if known.
    pub fn named(name: &str) -> Option<Zone> {
        let i = NAMES.lines().position(|n| n == name)?;
        Zone::parse_posix(RULES.get(*RULE_OF.get(i)? as usize)?)
    }

    pub fn is_known(name: &str) -> bool {
        Zone::named(name).is_some()
    }

    /// Seconds from 1970 (UTC) at which `change` happens in `year`, given the offset in force before it.
    fn change_at(year: i64, change: Change, offset_before: i64) -> i64 {
        let day = match change.day {
            Day::MonthWeek { month, week, weekday: wd } => {
                let first = days_from_civil(year, month, 1);
                let mut d = first + ((wd as i64 - weekday(first) as i64).rem_euclid(7)) + 7 * (week as i64 - 1);
                if week == 5 {
                    while d >= first + month_days(year, month) as i64 {
                        d -= 7;
                    }
                }
                d
            }
            Day::Julian1(n) => {
                let d = days_from_civil(year, 1, 1) + n as i64 - 1;
                if is_leap(year) && n >= 60 { d + 1 } else { d }
            }
            Day::Julian0(n) => days_from_civil(year, 1, 1) + n as i64,
        };
        day * 86_400 + change.time - offset_before
    }

    /// Offset from UTC (seconds east) in force at `utc_secs`.
    pub fn offset_at(&self, utc_secs: i64) -> i64 {
        let Some((dst_offset, start, end)) = self.dst else { return self.std_offset };
        let (year, _, _) = civil_from_days((utc_secs + self.std_offset).div_euclid(86_400));
        let on = Zone::change_at(year, start, self.std_offset);
        let off = Zone::change_at(year, end, dst_offset);
        let in_dst = if on < off { utc_secs >= on && utc_secs < off } else { utc_secs >= on || utc_secs < off };
        if in_dst {
            dst_offset
        } else {
            self.std_offset
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_name_has_a_rule_that_parses() {
        let names: Vec<&str> = NAMES.lines().collect();
        assert!(names.len() > 500, "{} names", names.len());
        assert_eq!(names.len(), RULE_OF.len());
        for name in names {
            assert!(Zone::named(name).is_some(), "{name}");
        }
    }

    fn utc(y: i64, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60
    }

    #[test]
    fn civil_conversions_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
        for days in [-1000, 0, 59, 60, 10_000, 20_454, 30_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(days_from_civil(2028, 2, 29)), (2028, 2, 29));
    }

    #[test]
    fn fixed_offset_zones() {
        let tokyo = Zone::named("Asia/Tokyo").unwrap();
        assert_eq!(tokyo.offset_at(utc(2026, 7, 1, 0, 0)), 9 * 3600);
        assert_eq!(Zone::named("UTC").unwrap().offset_at(0), 0);
        assert_eq!(Zone::named("Asia/Kolkata").unwrap().offset_at(0), 5 * 3600 + 1800);
    }

    #[test]
    fn new_york_dst_starts_second_sunday_of_march_at_2am_local() {
        let ny = Zone::named("America/New_York").unwrap();
        // 2026-03-08 02:00 EST = 07:00 UTC.
        assert_eq!(ny.offset_at(utc(2026, 3, 8, 6, 59)), -5 * 3600);
        assert_eq!(ny.offset_at(utc(2026, 3, 8, 7, 0)), -4 * 3600);
        // Ends 2026-11-01 02:00 EDT = 06:00 UTC.
        assert_eq!(ny.offset_at(utc(2026, 11, 1, 5, 59)), -4 * 3600);
        assert_eq!(ny.offset_at(utc(2026, 11, 1, 6, 0)), -5 * 3600);
    }

    #[test]
    fn berlin_and_sydney_including_the_southern_hemisphere() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        // Last Sunday of March 2026 is the 29th, 01:00 UTC.
        assert_eq!(berlin.offset_at(utc(2026, 3, 29, 0, 59)), 3600);
        assert_eq!(berlin.offset_at(utc(2026, 3, 29, 1, 0)), 7200);
        let sydney = Zone::named("Australia/Sydney").unwrap();
        assert_eq!(sydney.offset_at(utc(2026, 1, 15, 0, 0)), 11 * 3600, "summer in January");
        assert_eq!(sydney.offset_at(utc(2026, 7, 15, 0, 0)), 10 * 3600);
    }

    #[test]
    fn parses_quoted_names_and_rejects_garbage() {
        assert_eq!(Zone::parse_posix("<+0330>-3:30").unwrap().offset_at(0), 3 * 3600 + 1800);
        for bad in ["", "X", "EST", "EST5EDT,M3.2.0", "EST5EDT,M13.2.0,M11.1.0", "EST5EDT,M3.2.0,M11.1.0junk"] {
            assert!(Zone::parse_posix(bad).is_none(), "{bad}");
        }
        assert!(Zone::named("Mars/Olympus").is_none());
        assert!(Zone::is_known("America/Sao_Paulo"));
    }

    #[test]
    fn every_generated_rule_parses() {
        for rule in RULES {
            assert!(Zone::parse_posix(rule).is_some(), "{rule}");
        }
        assert_eq!(NAMES.lines().count(), RULE_OF.len(), "one rule per name");
        assert!(NAMES.lines().all(|n| Zone::named(n).is_some()));
    }
}
