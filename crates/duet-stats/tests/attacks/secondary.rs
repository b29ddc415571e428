//! Leak 3: differencing across statistics. `count(by region)` withholds a
//! region of 3 records, but another statistic of the same job releases the
//! total of the same population (an overall count, the n of a variance or
//! a correlation, the bins of a histogram, the groups of a mean by another
//! column): the total minus the released regions is the withheld count.
//! And the margins of a second table give the withheld region's split.
//! Secondary suppression withholds enough that no such difference remains.

use duet_stats::release::Earlier;
use duet_stats::{Job, Results};

use super::common::{csv, job, run, run_with};

const COLUMNS: &str = r#"
[[column]]
name = "sbp"
kind = "integer"
min = 50
max = 260

[[column]]
name = "age"
kind = "integer"
min = 18
max = 100

[[column]]
name = "smoker"
kind = "category"
levels = ["no", "yes"]

[[column]]
name = "region"
kind = "category"
levels = ["north", "south", "west"]
"#;

/// Each side: 10 per (north or south) x (no or yes); B adds 1 non-smoker
/// and 2 smokers in the west. Non-smokers are 30, smokers 70 years old.
fn data() -> (String, String) {
    let header = "sbp,age,smoker,region";
    let common = [
        ("120,30,no,north", 10),
        ("131,70,yes,north", 10),
        ("124,30,no,south", 10),
        ("137,70,yes,south", 10),
    ];
    let a = csv(header, &common);
    let mut b_rows = common.to_vec();
    b_rows.extend([("140,30,no,west", 1), ("150,70,yes,west", 2)]);
    (a, csv(header, &b_rows))
}

const WEST: u64 = 3;
const WEST_SMOKERS: u64 = 2;

const BY_REGION: &str = "[[statistic]]\nkind = \"count\"\nby = [\"region\"]\n";

/// The released counts of every cell of statistic `i`, by cell name.
fn cells(res: &Results, i: usize) -> Vec<(String, Option<u64>)> {
    let stat = res.statistic(i).unwrap();
    if let Some(c) = stat.correlation() {
        return vec![("all".into(), c.n)];
    }
    let cells = stat.cells().unwrap();
    cells.iter().map(|c| (c.cell.clone(), c.n)).collect()
}

/// Total minus the released regions, if every term is released.
fn difference(total: &[(String, Option<u64>)], parts: &[(String, Option<u64>)]) -> Option<u64> {
    let total: u64 = total.iter().map(|(_, n)| *n).sum::<Option<u64>>()?;
    let known: u64 = parts.iter().map(|(_, n)| *n).sum::<Option<u64>>()?;
    total.checked_sub(known)
}

#[test]
fn a_released_total_minus_the_released_regions_is_not_the_withheld_region() {
    let sources = [
        "[[statistic]]\nkind = \"count\"\n",
        "[[statistic]]\nkind = \"variance\"\ncolumn = \"age\"\n",
        "[[statistic]]\nkind = \"correlation\"\ncolumns = [\"sbp\", \"age\"]\n",
        "[[statistic]]\nkind = \"histogram\"\ncolumn = \"age\"\nedges = [18, 50, 100]\n",
        "[[statistic]]\nkind = \"mean\"\ncolumn = \"sbp\"\nby = [\"smoker\"]\n",
    ];
    let (a, b) = data();
    let mut recovered = Vec::new();
    for source in sources {
        let job = job(COLUMNS, &format!("{BY_REGION}\n{source}"));
        let res = run(&job, &a, &b);
        let regions = cells(&res, 0);
        assert_eq!(regions[2].1, None, "the west count must be withheld");
        let known: Vec<_> = regions[..2].to_vec();
        if difference(&cells(&res, 1), &known) == Some(WEST) {
            recovered.push(res.statistic(1).unwrap().label.clone());
        }
    }
    assert!(
        recovered.is_empty(),
        "the withheld west count {WEST} is the released total minus north and south, total from: {recovered:?}"
    );
}

#[test]
fn a_second_tables_margins_do_not_split_the_withheld_region() {
    let stats = format!(
        "{BY_REGION}\n[[statistic]]\nkind = \"count\"\nby = [\"smoker\"]\n\n\
         [[statistic]]\nkind = \"contingency\"\ncolumns = [\"region\", \"smoker\"]\n"
    );
    let job = job(COLUMNS, &stats);
    let (a, b) = data();
    let res = run(&job, &a, &b);
    let table = cells(&res, 2);
    let cell = |region: &str, smoker: &str| {
        let found = table.iter().find(|(name, _)| {
            name.contains(&format!("region={region}")) && name.contains(&format!("smoker={smoker}"))
        });
        found
            .unwrap_or_else(|| panic!("no cell {region} {smoker} in {table:?}"))
            .1
    };
    assert_eq!(
        cell("west", "yes"),
        None,
        "the west smokers must be withheld"
    );
    let smokers: Vec<_> = cells(&res, 1)
        .into_iter()
        .filter(|(n, _)| n.contains("yes"))
        .collect();
    let others = [
        ("north".to_string(), cell("north", "yes")),
        ("south".to_string(), cell("south", "yes")),
    ];
    assert_ne!(
        difference(&smokers, &others),
        Some(WEST_SMOKERS),
        "the withheld west smokers are count(smoker=yes) minus the north and south smokers"
    );
}

/// Each side keeps a release ledger as `duet run` does: the second job's
/// total would difference the first job's withheld region, so the ledger's
/// earlier releases make secondary suppression withhold it.
#[test]
fn a_later_jobs_total_does_not_difference_an_earlier_jobs_withheld_region() {
    let (a, b) = data();
    let dir = tempfile::tempdir().unwrap();
    let first = run_keeping_ledgers(&job(COLUMNS, BY_REGION), &a, &b, dir.path());
    let regions = cells(&first, 0);
    assert_eq!(regions[2].1, None, "the west count must be withheld");
    let total = "[[statistic]]\nkind = \"count\"\n";
    let second = run_keeping_ledgers(&job(COLUMNS, total), &a, &b, dir.path());
    assert_ne!(
        difference(&cells(&second, 0), &regions[..2]),
        Some(WEST),
        "the second job's total minus the first job's north and south is the west count"
    );
}

/// Runs `job` as two institutions that each keep a ledger in `dir`: each
/// side's earlier releases join secondary suppression, and the run is
/// recorded afterwards.
pub(crate) fn run_keeping_ledgers(job: &Job, a: &str, b: &str, dir: &std::path::Path) -> Results {
    use duet_stats::release::ledger::{Ledger, Population, Spend};
    use duet_stats::release::run_ledger::RunLedger;
    let ledger = |side: &str| {
        let path = dir.join(format!("{side}.json"));
        let (released, withheld) =
            Ledger::load(&path)
                .unwrap()
                .earlier(side, "peer", Population::Pooled);
        RunLedger {
            path,
            dataset: side.to_string(),
            peer: "peer".to_string(),
            population: Population::Pooled,
            earlier: Earlier { released, withheld },
            spend: Spend::default(),
            spent_before: Spend::default(),
            budget: Spend {
                epsilon: 10.0,
                delta: 1e-5,
            },
        }
    };
    let (la, lb) = (ledger("a"), ledger("b"));
    let res = run_with(job, a, b, 100, [&la.earlier, &lb.earlier]);
    la.record(&res).unwrap();
    lb.record(&res).unwrap();
    res
}
