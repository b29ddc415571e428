//! Re-identification risk under the prosecutor, journalist and marketer
//! attacker models (El Emam, "Guide to the De-Identification of Personal
//! Health Information", 2013; as in ARX's `RiskModelSampleRisks`).
//!
//! A record in an equivalence class of size `f` (in the released sample)
//! whose class has `F` members in the population is re-identified with
//! probability `1/f` by a prosecutor (who knows the target is in the sample)
//! and `1/F` by a journalist (who does not). The marketer, who re-identifies
//! as many as possible, succeeds on average on `(1/n) sum_classes f/F`.

use serde::{Deserialize, Serialize};

/// Highest, average and at-risk share of one attacker's per-record risk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskSummary {
    /// Largest per-record risk.
    pub highest: f64,
    /// Mean per-record risk.
    pub average: f64,
    /// Share of records whose risk exceeds the threshold.
    pub records_at_risk: f64,
}

/// Risks under the three attacker models.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// Threshold used for `records_at_risk`.
    pub threshold: f64,
    /// Prosecutor model.
    pub prosecutor: RiskSummary,
    /// Journalist model (equal to the prosecutor's without a population).
    pub journalist: RiskSummary,
    /// Marketer model: expected share of records re-identified.
    pub marketer: f64,
}

/// Risks for classes of sizes `sample` (records in the release) and, when
/// known, `population` (members of the same class in the population;
/// `population[i] >= sample[i]`). Classes of size 0 are ignored.
pub fn risk(sample: &[u64], population: Option<&[u64]>, threshold: f64) -> Risk {
    let pop: Vec<u64> = match population {
        Some(p) => sample.iter().zip(p).map(|(&f, &big)| big.max(f)).collect(),
        None => sample.to_vec(),
    };
    let n: u64 = sample.iter().sum();
    let marketer = if n == 0 {
        0.0
    } else {
        sample
            .iter()
            .zip(&pop)
            .filter(|(f, _)| **f > 0)
            .map(|(&f, &big)| f as f64 / big as f64)
            .sum::<f64>()
            / n as f64
    };
    Risk {
        threshold,
        prosecutor: summary(sample, sample, threshold),
        journalist: summary(sample, &pop, threshold),
        marketer,
    }
}

fn summary(sample: &[u64], denom: &[u64], threshold: f64) -> RiskSummary {
    let n: u64 = sample.iter().sum();
    if n == 0 {
        return RiskSummary {
            highest: 0.0,
            average: 0.0,
            records_at_risk: 0.0,
        };
    }
    let mut highest: f64 = 0.0;
    let (mut total, mut at_risk) = (0.0, 0u64);
    for (&f, &d) in sample.iter().zip(denom).filter(|(f, _)| **f > 0) {
        let r = 1.0 / d as f64;
        highest = highest.max(r);
        total += f as f64 * r;
        if r > threshold {
            at_risk += f;
        }
    }
    RiskSummary {
        highest,
        average: total / n as f64,
        records_at_risk: at_risk as f64 / n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prosecutor_and_marketer_on_known_classes() {
        // Classes of 1, 2 and 5 records: n = 8.
        let r = risk(&[1, 2, 5], None, 0.2);
        assert_eq!(r.prosecutor.highest, 1.0);
        assert_eq!(r.prosecutor.average, 3.0 / 8.0);
        assert_eq!(r.prosecutor.records_at_risk, 3.0 / 8.0);
        assert_eq!(r.marketer, 3.0 / 8.0);
        assert_eq!(r.journalist, r.prosecutor);
    }

    #[test]
    fn journalist_uses_population_sizes() {
        let r = risk(&[1, 2, 5], Some(&[4, 2, 10]), 0.3);
        assert_eq!(r.journalist.highest, 0.5);
        assert_eq!(r.journalist.average, (0.25 + 1.0 + 0.5) / 8.0);
        assert_eq!(r.journalist.records_at_risk, 2.0 / 8.0);
        assert_eq!(r.marketer, (0.25 + 1.0 + 0.5) / 8.0);
        assert_eq!(risk(&[], None, 0.1).prosecutor.highest, 0.0);
    }
}
