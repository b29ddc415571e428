//! The generating model of duet's synthetic datasets: one population of
//! residents, two hospitals that each see some of them as patients, and an
//! environmental agency that knows the air quality at residents' homes.
//!
//! Known effects, so a study can find them:
//! - systolic blood pressure (mmHg) = 100 + 0.45 age + 6 smoker
//!   + 0.8 (BMI - 27) + 0.6 (PM2.5 - 10) + 3 male + N(0, 11^2);
//! - diabetes: logistic(-5.4 + 0.045 age + 0.16 (BMI - 27) + 0.5 smoker);
//! - time to a cardiovascular event: exponential with yearly hazard
//!   0.02 exp(0.04 (age - 60) + 0.55 smoker + 0.5 diabetes + 0.03 (PM2.5 - 10)),
//!   censored at the end of follow-up (up to 5 years).
//!
//! All records are synthetic; no real person is described.

use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Regions, and the zones of each (zone PM2.5 means in ug/m3).
pub const REGIONS: [(&str, [f64; 3]); 4] = [
    ("north", [7.5, 8.5, 9.0]),
    ("south", [11.0, 12.5, 14.0]),
    ("east", [9.5, 10.5, 16.0]),
    ("west", [8.0, 9.0, 10.0]),
];

/// One synthetic resident.
pub struct Resident {
    pub id: u32,
    pub age: u32,
    pub male: bool,
    pub region: usize,
    pub zone: usize,
    pub smoker: bool,
    pub bmi: f64,
    pub pm25: f64,
    pub no2: f64,
    pub sbp: f64,
    pub diabetes: bool,
    pub followup_days: u32,
    pub event: bool,
}

fn normal(rng: &mut ChaCha20Rng) -> f64 {
    // Box-Muller; u1 in (0, 1] so the log is finite.
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn resident(id: u32, rng: &mut ChaCha20Rng) -> Resident {
    let age = rng.gen_range(30..=89);
    let male = rng.gen_bool(0.48);
    let region = rng.gen_range(0..REGIONS.len());
    let zone = rng.gen_range(0..3);
    let smoker = rng.gen_bool(if male { 0.26 } else { 0.19 });
    let bmi = round1((27.0 + 4.5 * normal(rng)).clamp(16.0, 48.0));
    let pm25 = round1((REGIONS[region].1[zone] + 1.5 * normal(rng)).clamp(2.0, 35.0));
    let no2 = round1((1.9 * pm25 + 4.0 * normal(rng)).clamp(3.0, 80.0));
    let sbp = 100.0
        + 0.45 * f64::from(age)
        + 6.0 * f64::from(u8::from(smoker))
        + 0.8 * (bmi - 27.0)
        + 0.6 * (pm25 - 10.0)
        + 3.0 * f64::from(u8::from(male))
        + 11.0 * normal(rng);
    let sbp = round1(sbp.clamp(85.0, 230.0));
    let logit =
        -5.4 + 0.045 * f64::from(age) + 0.16 * (bmi - 27.0) + 0.5 * f64::from(u8::from(smoker));
    let diabetes = rng.gen_bool(1.0 / (1.0 + (-logit).exp()));
    let hazard = 0.02
        * (0.04 * (f64::from(age) - 60.0)
            + 0.55 * f64::from(u8::from(smoker))
            + 0.5 * f64::from(u8::from(diabetes))
            + 0.03 * (pm25 - 10.0))
            .exp();
    let years_to_event = -(1.0 - rng.gen::<f64>()).ln() / hazard;
    let censor_days = rng.gen_range(365..=1825);
    let event_days = (years_to_event * 365.25).ceil().min(1e9) as u32;
    let (followup_days, event) = if event_days <= censor_days {
        (event_days.max(1), true)
    } else {
        (censor_days, false)
    };
    Resident {
        id,
        age,
        male,
        region,
        zone,
        smoker,
        bmi,
        pm25,
        no2,
        sbp,
        diabetes,
        followup_days,
        event,
    }
}

/// The whole population, from one seed.
pub fn population(seed: u64, size: u32) -> Vec<Resident> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (1..=size).map(|id| resident(id, &mut rng)).collect()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// A hospital's patient file (same schema for every hospital).
pub fn hospital_csv(patients: &[&Resident]) -> String {
    let mut out =
        String::from("patient_id,age,sex,region,smoker,bmi,sbp,diabetes,followup_days,event\n");
    for p in patients {
        let _ = writeln!(
            out,
            "R{:06},{},{},{},{},{:.1},{:.1},{},{},{}",
            p.id,
            p.age,
            if p.male { "M" } else { "F" },
            REGIONS[p.region].0,
            yes_no(p.smoker),
            p.bmi,
            p.sbp,
            yes_no(p.diabetes),
            p.followup_days,
            u8::from(p.event)
        );
    }
    out
}

/// The agency's exposure file; it writes identifiers in lower case, so a
/// linked study must normalise them. The band is the agency's own
/// grouping of PM2.5 (below 10, 10 to 15, 15 and above).
pub fn agency_csv(residents: &[&Resident]) -> String {
    let mut out = String::from("resident_id,zone,pm25,no2,pm25_band\n");
    for r in residents {
        let _ = writeln!(
            out,
            "r{:06},{}-{},{:.1},{:.1},{}",
            r.id,
            REGIONS[r.region].0,
            r.zone + 1,
            r.pm25,
            r.no2,
            pm25_band(r.pm25)
        );
    }
    out
}

fn pm25_band(pm25: f64) -> &'static str {
    if pm25 < 10.0 {
        "low"
    } else if pm25 < 15.0 {
        "medium"
    } else {
        "high"
    }
}

/// The bundled files: (file name, contents).
pub fn bundled() -> Vec<(&'static str, String)> {
    let people = population(20261128, 9000);
    // Hospital A serves north, east and south; B serves south, west and east;
    // a resident is a patient of at most one of them.
    let mut a = Vec::new();
    let mut b = Vec::new();
    for p in &people {
        let pick = (p.id.wrapping_mul(2_654_435_761) >> 8) % 100;
        match (REGIONS[p.region].0, pick) {
            ("north", 0..=39) | ("east", 0..=24) | ("south", 0..=14) => a.push(p),
            ("west", 0..=29) | ("east", 25..=44) | ("south", 15..=34) => b.push(p),
            _ => {}
        }
    }
    // The agency covers every zone but those of the west region.
    let covered: Vec<&Resident> = people
        .iter()
        .filter(|p| REGIONS[p.region].0 != "west")
        .collect();
    vec![
        ("hospital_a.csv", hospital_csv(&a)),
        ("hospital_b.csv", hospital_csv(&b)),
        ("agency_exposure.csv", agency_csv(&covered)),
    ]
}
