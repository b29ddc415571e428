//! Disclosure control: cells below the threshold are suppressed by a
//! comparison on shares, and nothing of them but the suppression bit is
//! ever opened.

use duet_core::MsgKind;
use duet_stats::job::{LocalPolicy, PolicyError, Suppress};
use duet_stats::protocol::HELLO;
use duet_stats::{Plan, Policy};

use super::common::{aggregate, fixture_job, fixture_results, local, read, run_pair};
use super::oracle::{self, REGIONS};

#[test]
fn only_bits_and_released_cells_are_opened() {
    let (_, plan, res, traffic) = fixture_results();
    let bits: Vec<_> = res
        .revealed
        .iter()
        .filter(|r| r.name.ends_with(".suppressed"))
        .collect();
    let job = fixture_job();
    let gated = duet_stats::release::gated_len(&job, &plan, job.policy());
    assert_eq!(bits.len(), gated);
    let suppressed: Vec<String> = bits
        .iter()
        .filter(|r| r.value == "1")
        .map(|r| r.name.trim_end_matches(".suppressed").to_string())
        .collect();
    assert!(suppressed
        .iter()
        .any(|s| s == "#2 count(by region)[region=west]"));
    for r in res
        .revealed
        .iter()
        .filter(|r| !r.name.ends_with(".suppressed"))
    {
        assert!(
            !suppressed
                .iter()
                .any(|s| r.name.starts_with(&format!("{s}."))),
            "{} was opened although its cell is suppressed",
            r.name
        );
    }
    let values = res.revealed.len() - bits.len();
    // Every released value is in the disclosure record, none withheld.
    assert_eq!(values, res.disclosure.released.len());
    // What crossed: one hello, the masked aggregates as inputs (the
    // per-party rule bits never cross, even masked: they enter as bit-OLE
    // products), the rule bits, the values.
    assert_eq!(traffic.get(HELLO).sent_bytes, 88);
    assert_eq!(
        traffic.get(MsgKind::INPUT).sent_bytes,
        8 * plan.len() as u64
    );
    // Models (regression, correlation) open only their reported values,
    // in Z_2^128 (16 bytes each), one frame per model.
    let models = &res.disclosure.models;
    assert_eq!(models.len(), 2);
    let model_values: usize = models.iter().map(|m| m.count).sum();
    let open = traffic.get(MsgKind::OPEN);
    assert_eq!(open.sent_frames, 2 + models.len() as u64);
    assert_eq!(
        open.sent_bytes,
        8 * (gated + values) as u64 + 16 * model_values as u64
    );
}

#[test]
fn a_side_may_tighten_and_the_run_enforces_it() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (b, _) = aggregate(&job, &plan, &local("local_b.toml"), &read("b.csv")).unwrap();
    let tight = job
        .policy()
        .tightened_by(&LocalPolicy {
            min_cell: Some(30),
            ..LocalPolicy::default()
        })
        .unwrap();
    let ((r0, _), (r1, _)) = run_pair(&job, &plan, [&a, &b], [job.policy().clone(), tight]);
    let (r0, r1) = (r0.unwrap(), r1.unwrap());
    assert_eq!(r0, r1);
    assert_eq!(r0.policy.min_cell, 30);
    let rows = oracle::union();
    let by_region = r0.statistic(1).unwrap().cells().unwrap();
    for (i, _) in REGIONS.iter().enumerate() {
        let n = rows.iter().filter(|r| r.region == i).count() as u64;
        assert_eq!(by_region[i].n, (n >= 30).then_some(n));
    }
}

#[test]
fn everything_suppressed_opens_no_values() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (b, _) = aggregate(&job, &plan, &local("local_b.toml"), &read("b.csv")).unwrap();
    let strict = Policy {
        min_cell: 1_000,
        ..job.policy().clone()
    };
    let ((r0, t0), _) = run_pair(&job, &plan, [&a, &b], [strict.clone(), strict]);
    let r0 = r0.unwrap();
    let gated = duet_stats::release::gated_len(&job, &plan, job.policy());
    assert_eq!(r0.revealed.len(), gated);
    assert!(r0.revealed.iter().all(|r| r.value == "1"));
    assert_eq!(t0.get(MsgKind::OPEN).sent_bytes, 8 * gated as u64);
    assert!(r0.statistic(10).unwrap().regression().unwrap().suppressed);
}

#[test]
fn one_side_with_no_rows() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (a, log) = aggregate(
        &job,
        &plan,
        &local("local_a.toml"),
        "sbp,age,smoker,sex,region\n",
    )
    .unwrap();
    assert_eq!((log.rows_read, log.rows_used), (0, 0));
    let (b, _) = aggregate(&job, &plan, &local("local_b.toml"), &read("b.csv")).unwrap();
    let p = job.policy().clone();
    let ((r0, _), _) = run_pair(&job, &plan, [&a, &b], [p.clone(), p]);
    let rows = oracle::parse(
        &read("b.csv"),
        ["SBP_mmHg", "age", "smoker", "Sex", "Region"],
    );
    let total = r0.unwrap().statistic(0).unwrap().cells().unwrap()[0].n;
    assert_eq!(total, Some(rows.len() as u64));
}

#[test]
fn regression_needs_enough_rows_per_parameter() {
    // 4 parameters at ratio 0.33 need n >= ceil(4 / 0.33) = 13.
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let few = "sbp,age,smoker,sex,region\n".to_string()
        + &read("a.csv")
            .lines()
            .skip(1)
            .take(12)
            .collect::<Vec<_>>()
            .join("\n");
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &few).unwrap();
    let (b, _) = aggregate(
        &job,
        &plan,
        &local("local_a.toml"),
        "sbp,age,smoker,sex,region\n",
    )
    .unwrap();
    let p = job.policy().clone();
    let ((r0, _), _) = run_pair(&job, &plan, [&a, &b], [p.clone(), p]);
    let r0 = r0.unwrap();
    assert!(r0.statistic(10).unwrap().regression().unwrap().suppressed);
    // The overall count would let the withheld regression n (the same 12
    // records) be recomputed, so it is withheld as a secondary suppression.
    assert!(r0.statistic(0).unwrap().cells().unwrap()[0].suppressed);
    assert!(r0
        .disclosure
        .withheld
        .iter()
        .any(|w| w.name.starts_with("#1 count") && w.kind == "secondary"));
}

#[test]
fn table_mode_suppresses_whole_statistics_and_opens_one_bit_each() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (b, _) = aggregate(&job, &plan, &local("local_b.toml"), &read("b.csv")).unwrap();
    let table = job
        .policy()
        .tightened_by(&LocalPolicy {
            suppress: Some(Suppress::Table),
            ..LocalPolicy::default()
        })
        .unwrap();
    let ((r0, t0), (r1, _)) = run_pair(&job, &plan, [&a, &b], [table, job.policy().clone()]);
    let (r0, r1) = (r0.unwrap(), r1.unwrap());
    assert_eq!(r0, r1);
    assert_eq!(r0.policy.suppress, Suppress::Table);
    let (_, _, by_cell, _) = fixture_results();
    for (t, c) in r0.statistics.iter().zip(&by_cell.statistics) {
        let primary = by_cell
            .disclosure
            .withheld
            .iter()
            .any(|w| w.kind == "primary" && w.name.starts_with(&format!("{}[", t.label)));
        let Some(cells) = t.cells() else { continue };
        // A table is withheld whole or released whole; one with a cell
        // failing a primary rule in cell mode is withheld whole.
        let withheld = cells.iter().filter(|x| x.suppressed).count();
        assert!(withheld == 0 || withheld == cells.len(), "{}", t.label);
        if primary {
            assert_eq!(withheld, cells.len(), "{}", t.label);
        }
        if withheld == 0 && c.cells().is_some_and(|c| c.iter().all(|x| !x.suppressed)) {
            assert_eq!(t, c);
        }
    }
    let bits: Vec<_> = r0
        .revealed
        .iter()
        .filter(|r| r.name.ends_with(".suppressed"))
        .collect();
    assert_eq!(bits.len(), 11);
    assert_eq!(bits[1].name, "#2 count(by region).suppressed");
    // Every value opened is in the disclosure record as released.
    for r in r0
        .revealed
        .iter()
        .filter(|r| !r.name.ends_with(".suppressed"))
    {
        assert!(
            r0.disclosure.released.iter().any(|d| d.name == r.name),
            "{} was opened but not recorded",
            r.name
        );
    }
    let values = (r0.revealed.len() - bits.len()) as u64;
    let model_values: u64 = r0.disclosure.models.iter().map(|m| m.count as u64).sum();
    assert_eq!(
        t0.get(MsgKind::OPEN).sent_bytes,
        8 * (11 + values) + 16 * model_values
    );
    // The job's table mode cannot be loosened locally.
    let job_table = Policy {
        suppress: Suppress::Table,
        ..job.policy().clone()
    };
    let back = LocalPolicy {
        suppress: Some(Suppress::Cell),
        ..LocalPolicy::default()
    };
    assert!(matches!(
        job_table.tightened_by(&back),
        Err(PolicyError::Looser {
            field: "suppress",
            ..
        })
    ));
}
