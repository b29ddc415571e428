//! The coefficient plot: each term's estimate with its 95% whiskers,
//! for linear and logistic regression (intercept left out by the caller).

use plotters::prelude::*;

use super::charts::{axis, categories, err, figure, plottable, COLORS};

/// One coefficient of a coefficient plot, on the plotted scale.
pub(super) struct CoefPoint {
    /// Term name.
    pub(super) term: String,
    /// Estimate.
    pub(super) estimate: f64,
    /// 95% limits, when known.
    pub(super) ci: Option<(f64, f64)>,
}

/// Estimates with 95% whiskers, one row per term (first term on top), and
/// a vertical reference line at `reference` (0: no effect).
pub(super) fn coefficients(
    caption: &str,
    x_desc: &str,
    coefs: &[CoefPoint],
    reference: f64,
) -> String {
    let coefs: Vec<&CoefPoint> = coefs.iter().filter(|c| plottable(c.estimate)).collect();
    if coefs.is_empty() {
        return String::new();
    }
    let xs = coefs.iter().flat_map(|c| {
        let (lo, hi) = c.ci.unwrap_or((c.estimate, c.estimate));
        [c.estimate, lo, hi]
    });
    let (lo, hi) = axis(xs, reference);
    let k = coefs.len();
    let widest = coefs
        .iter()
        .map(|c| c.term.chars().count())
        .max()
        .unwrap_or(0);
    let label_area = (widest as u32 * 7 + 20).clamp(60, 220);
    let row = move |i: usize| SegmentValue::CenterOf(k - 1 - i);
    figure("coefficients", caption, |root| {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_area)
            .build_cartesian_2d(lo..hi, categories(k))
            .map_err(err)?;
        let name = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if *i < k => coefs
                .get(k - 1 - *i)
                .map_or_else(String::new, |c| c.term.clone()),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(k)
            .y_label_formatter(&name)
            .x_desc(x_desc)
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(120, 120, 120);
        let refline = PathElement::new(
            vec![
                (reference, SegmentValue::Exact(0)),
                (reference, SegmentValue::Last),
            ],
            grey.stroke_width(1),
        );
        chart.draw_series(std::iter::once(refline)).map_err(err)?;
        let whiskers = coefs.iter().enumerate().filter_map(|(i, c)| {
            // Limits beyond the plottable range are drawn to its edge.
            let (a, b) = c.ci.filter(|(a, b)| !a.is_nan() && !b.is_nan())?;
            Some(PathElement::new(
                vec![(a.clamp(lo, hi), row(i)), (b.clamp(lo, hi), row(i))],
                COLORS[0].stroke_width(2),
            ))
        });
        chart.draw_series(whiskers).map_err(err)?;
        let dots = coefs
            .iter()
            .enumerate()
            .map(|(i, c)| Circle::new((c.estimate, row(i)), 4, COLORS[1].filled()));
        chart.draw_series(dots).map_err(err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficient_plot_labels_each_term_once() {
        let pts: Vec<CoefPoint> = ["a", "b", "c"]
            .iter()
            .map(|t| CoefPoint {
                term: (*t).into(),
                estimate: 0.5,
                ci: Some((0.1, 0.9)),
            })
            .collect();
        let svg = coefficients("cap", "estimate", &pts, 0.0);
        for t in ["a", "b", "c"] {
            assert_eq!(svg.matches(&format!(">\n{t}\n</text>")).count(), 1, "{svg}");
        }
        assert_eq!(svg.matches("<circle").count(), 3);
        let one = coefficients("cap", "x", &pts[..1], 0.0);
        assert_eq!(one.matches("<circle").count(), 1);
        let nan = CoefPoint {
            term: "n".into(),
            estimate: f64::NAN,
            ci: None,
        };
        assert_eq!(coefficients("cap", "x", &[nan], 0.0), "");
    }
}
