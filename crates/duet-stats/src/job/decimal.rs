//! Exact decimal numbers as written in a job file (`50`, `50.5`, `"50.50"`),
//! normalised so that equal values compare and hash equal.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact decimal `units * 10^-places`, with no trailing zero in `units`
/// when `places > 0` (so `50`, `50.0` and `"50.00"` are the same value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    units: i128,
    places: u32,
}

impl Decimal {
    /// Parses decimal text (`-12.375`), normalising trailing zeros.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (units, places) = duet_core::fixed::parse_decimal(text).ok()?;
        Some(Decimal::normalised(units, places))
    }

    /// An integer value.
    pub fn from_int(v: i64) -> Decimal {
        Decimal {
            units: i128::from(v),
            places: 0,
        }
    }

    /// The value `units * 10^-places` (normalised).
    pub fn from_units(units: i64, places: u32) -> Decimal {
        Decimal::normalised(i128::from(units), places)
    }

    fn normalised(mut units: i128, mut places: u32) -> Decimal {
        while places > 0 && units % 10 == 0 {
            units /= 10;
            places -= 1;
        }
        Decimal { units, places }
    }

    /// Decimal places after normalisation.
    pub fn places(&self) -> u32 {
        self.places
    }

    /// The value in units of `10^-places`, if it has at most `places`
    /// places and the result fits an `i64`.
    pub fn scaled(&self, places: u32) -> Option<i64> {
        let extra = places.checked_sub(self.places)?;
        let v = 10i128.checked_pow(extra)?.checked_mul(self.units)?;
        i64::try_from(v).ok()
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_scaled(self.units, self.places))
    }
}

/// Writes `units * 10^-places` as plain decimal text (`-0.05`).
pub fn format_scaled(units: i128, places: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let digits = units.unsigned_abs().to_string();
    if places == 0 {
        return format!("{sign}{digits}");
    }
    let p = places as usize;
    let padded = format!("{digits:0>width$}", width = p + 1);
    let (int, frac) = padded.split_at(padded.len() - p);
    format!("{sign}{int}.{frac}")
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Int(i64),
    Float(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = match Written::deserialize(d)? {
            Written::Int(v) => return Ok(Decimal::from_int(v)),
            // Display of f64 is the shortest text that reads back exactly,
            // never in exponent form, so 50.5 stays "50.5".
            Written::Float(v) => v.to_string(),
            Written::Text(t) => t,
        };
        Decimal::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a decimal number")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_scales() {
        assert_eq!(Decimal::parse("50.00"), Some(Decimal::from_int(50)));
        let d = Decimal::parse("-12.50").unwrap();
        assert_eq!(d.places(), 1);
        assert_eq!(d.scaled(2), Some(-1250));
        assert_eq!(d.scaled(0), None);
        assert_eq!(d.to_string(), "-12.5");
        assert_eq!(format_scaled(-5, 2), "-0.05");
        assert_eq!(format_scaled(1234, 0), "1234");
        assert_eq!(Decimal::parse("x"), None);
    }
}
