//! Where in a job file an error found after parsing points: the value it
//! is about (a column's name, the repeated level, a statistic's column, a
//! policy field), as 1-based line and column.

use toml_edit::{ImDocument, Item, Table, Value};

use super::{statistic_label, JobError, JobSpec};

/// The line and column of the value `err` is about, if it can be found.
pub(crate) fn locate(text: &str, spec: Option<&JobSpec>, err: &JobError) -> Option<(usize, usize)> {
    if let JobError::Toml(e) = err {
        return e.span().map(|s| line_col(text, s.start));
    }
    let doc = ImDocument::parse(text).ok()?;
    let span = span_of(doc.as_table(), spec, err)?;
    Some(line_col(text, span.start))
}

type Span = std::ops::Range<usize>;

fn span_of(root: &Table, spec: Option<&JobSpec>, err: &JobError) -> Option<Span> {
    match err {
        JobError::DuplicateColumn { name } => {
            columns(root, name).nth(1).and_then(|t| key(t, "name"))
        }
        JobError::BadColumn { column, reason } => {
            let t = columns(root, column).next()?;
            let field = ["min", "max", "places", "levels", "kind"]
                .into_iter()
                .find(|f| reason.contains(f));
            field.and_then(|f| key(t, f)).or_else(|| key(t, "name"))
        }
        JobError::DuplicateLevel { column, level } => {
            let levels = columns(root, column).next()?.get("levels")?.as_array()?;
            levels
                .iter()
                .filter(|v| v.as_str() == Some(level))
                .nth(1)?
                .span()
        }
        JobError::UnknownColumn { statistic, column }
        | JobError::WrongColumnKind {
            statistic, column, ..
        } => {
            let t = statistic_table(root, spec, statistic)?;
            string_in(t, column).or_else(|| key(t, "kind"))
        }
        JobError::BadStatistic { statistic, .. } => {
            key(statistic_table(root, spec, statistic)?, "kind")
        }
        JobError::BadPolicy { field, .. } => table(root, "policy").and_then(|t| key(t, field)),
        JobError::Floor(_) => {
            table(root, "policy").and_then(|t| t.iter().next().and_then(|(k, _)| key(t, k)))
        }
        JobError::BadFingerprint { party, .. } => {
            let p = root.get("parties")?.get(party)?;
            p.get("cert_sha256")?.span()
        }
        JobError::UnsupportedVersion { .. } => table(root, "job").and_then(|t| key(t, "version")),
        JobError::Empty { what } => dotted(root, what.split(' ').next()?),
        _ => None,
    }
}

fn table<'a>(root: &'a Table, name: &str) -> Option<&'a Table> {
    root.get(name)?.as_table()
}

/// The span of `name`'s value in a table (or inline table).
fn key(t: &Table, name: &str) -> Option<Span> {
    t.get(name)?.span()
}

fn dotted(root: &Table, path: &str) -> Option<Span> {
    let mut item: &Item = root.get(path.split('.').next()?)?;
    for part in path.split('.').skip(1) {
        item = item.get(part)?;
    }
    item.span()
}

/// The `[[column]]` tables named `name`, in file order.
fn columns<'a>(root: &'a Table, name: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
    root.get("column")
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flat_map(|a| a.iter())
        .filter(move |t| t.get("name").and_then(Item::as_str) == Some(name))
}

/// The `[[statistic]]` table whose label is `label`.
fn statistic_table<'a>(root: &'a Table, spec: Option<&JobSpec>, label: &str) -> Option<&'a Table> {
    let index = spec?
        .statistic
        .iter()
        .position(|s| statistic_label(s) == label)?;
    root.get("statistic")?.as_array_of_tables()?.get(index)
}

/// The first string value `wanted` in a table, in arrays too.
fn string_in(t: &Table, wanted: &str) -> Option<Span> {
    t.iter().find_map(|(_, item)| match item.as_value()? {
        Value::String(s) if s.value() == wanted => item.span(),
        Value::Array(a) => a.iter().find(|v| v.as_str() == Some(wanted))?.span(),
        _ => None,
    })
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::Job;

    const JOB: &str = include_str!("../../../../examples/jobs/pooled_cohort.toml");

    /// The job with `from` replaced by `to`: the error's line and column.
    fn at(from: &str, to: &str) -> (usize, usize) {
        assert!(JOB.contains(from), "{from}");
        let text = JOB.replacen(from, to, 1);
        let spec: Option<JobSpec> = toml::from_str(&text).ok();
        let err = Job::from_toml_str(&text).unwrap_err();
        locate(&text, spec.as_ref(), &err).unwrap_or_else(|| panic!("no place for {err}"))
    }

    fn line_of(needle: &str, to: &str) -> usize {
        let text = JOB.replacen(needle, to, 1);
        text[..text.find(to).unwrap()].matches('\n').count() + 1
    }

    #[test]
    fn errors_after_parsing_point_at_their_value() {
        let (line, _) = at("min = 18", "min = 180");
        assert_eq!(line, line_of("min = 18", "min = 180"));
        let (line, col) = at("levels = [\"F\", \"M\"]", "levels = [\"F\", \"F\"]");
        assert_eq!(
            line,
            line_of("levels = [\"F\", \"M\"]", "levels = [\"F\", \"F\"]")
        );
        assert_eq!(col, "levels = [\"F\", ".len() + 1);
        let (line, _) = at("column = \"sbp\"", "column = \"bp\"");
        assert_eq!(line, line_of("column = \"sbp\"", "column = \"bp\""));
        assert_eq!(line_col("a\nbé c", 6), (2, 4));
    }
}
