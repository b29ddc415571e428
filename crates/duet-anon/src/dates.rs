//! Proleptic Gregorian calendar dates, enough for date rules and shifting
//! without a date-time dependency.

/// A calendar date `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year (1 to 9999).
    pub year: i32,
    /// Month (1 to 12).
    pub month: u32,
    /// Day of month (1 to 31, checked against the month).
    pub day: u32,
}

impl Date {
    /// Parses exactly `YYYY-MM-DD`; `None` for any other text or an
    /// impossible date (e.g. `2021-02-29`).
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let s = text.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let date = Self {
            year: i32::try_from(year).ok()?,
            month,
            day,
        };
        (year >= 1
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(date.year, month))
        .then_some(date)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        // Hinnant's days_from_civil: shift the year to start in March.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, if its year is in 1..=9999.
    pub fn from_days(days: i64) -> Option<Self> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).ok()?;
        let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).ok()?;
        let year = i32::try_from(yoe + era * 400 + i64::from(month <= 2)).ok()?;
        (1..=9999)
            .contains(&year)
            .then_some(Self { year, month, day })
    }

    /// This date moved by `days` (negative moves back).
    pub fn shifted(self, days: i64) -> Option<Self> {
        Self::from_days(self.to_days().checked_add(days)?)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!(Date::parse("1970-01-01").unwrap().to_days(), 0);
        assert_eq!(Date::parse("2000-03-01").unwrap().to_days(), 11_017);
        assert_eq!(Date::parse("1969-12-31").unwrap().to_days(), -1);
        assert_eq!(
            Date::parse("2024-02-28")
                .unwrap()
                .shifted(1)
                .unwrap()
                .to_string(),
            "2024-02-29"
        );
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-2-28").is_none());
        assert!(Date::parse("+023-02-28").is_none());
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -700_000i64..2_900_000) {
            let d = Date::from_days(days).unwrap();
            prop_assert_eq!(d.to_days(), days);
            prop_assert_eq!(Date::parse(&d.to_string()), Some(d));
        }
    }
}
