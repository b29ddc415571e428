//! Charts drawn with plotters' SVG backend, inlined into the page: bar
//! charts (histograms, grouped counts and means), Kaplan-Meier step
//! curves, and coefficient plots with 95% whiskers.
//!
//! Text is placed with plotters' built-in size estimate (no font files
//! are read) and drawn by the browser. Each `<svg>` gets
//! `class="chart <kind>"` and sits in a `<figure>` with a caption. Values
//! that are not finite are left out; a chart with nothing to draw, or one
//! plotters fails on, becomes a short note instead.

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordusize;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::esc;
use crate::results::SurvivalCurve;

const SIZE: (u32, u32) = (720, 380);

/// Okabe-Ito colours, distinguishable with common colour blindness.
const COLORS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// One coefficient of a coefficient plot, on the plotted scale.
pub(super) struct CoefPoint {
    /// Term name.
    pub(super) term: String,
    /// Estimate.
    pub(super) estimate: f64,
    /// 95% limits, when known.
    pub(super) ci: Option<(f64, f64)>,
}

/// Draws with `draw` into a fresh SVG and wraps it as a captioned figure.
fn figure<F>(kind: &str, caption: &str, draw: F) -> String
where
    F: FnOnce(&Area<'_>) -> Result<(), String>,
{
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&root).and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    match drawn {
        Ok(()) => {
            let tag = format!(
                "<svg class=\"chart {kind}\" role=\"img\" aria-label=\"{}\" ",
                esc(caption)
            );
            let svg = svg.replacen("<svg ", &tag, 1);
            format!(
                "<figure>\n{svg}<figcaption>{}</figcaption>\n</figure>\n",
                esc(caption)
            )
        }
        Err(e) => format!("<p class=\"note\">Chart not drawn: {}</p>\n", esc(&e)),
    }
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// `lo..hi` widened by 5% (and to a unit span when empty).
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

/// `k` category slots (a discrete range's ends are both values, so
/// `0..k` would give k + 1).
fn categories(k: usize) -> SegmentedCoord<RangedCoordusize> {
    (0..k.saturating_sub(1)).into_segmented()
}

/// A bar per category (`None`: suppressed, marked on the axis).
pub(super) fn bars(
    kind: &str,
    caption: &str,
    labels: &[String],
    values: &[Option<f64>],
    y_desc: &str,
) -> String {
    let finite: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if labels.is_empty() {
        return String::new();
    }
    let lo = finite.iter().copied().fold(0.0, f64::min);
    let hi = finite.iter().copied().fold(0.0, f64::max);
    let (lo, hi) = padded(lo, hi);
    let lo = if lo > -1e-9 * hi.abs() { 0.0 } else { lo };
    figure(kind, caption, |root| {
        root.fill(&WHITE).map_err(err)?;
        let k = labels.len();
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(categories(k), lo..hi)
            .map_err(err)?;
        let name = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(k)
            .x_label_formatter(&name)
            .y_desc(y_desc)
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        let data = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)));
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(COLORS[0].mix(0.75).filled())
                    .margin(6)
                    .data(data),
            )
            .map_err(err)?;
        let marks = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_none())
            .map(|(i, _)| {
                Text::new(
                    "suppressed",
                    (SegmentValue::CenterOf(i), lo + (hi - lo) * 0.04),
                    ("sans-serif", 11).into_font().color(&RGBColor(138, 90, 0)),
                )
            });
        chart.draw_series(marks).map_err(err)?;
        Ok(())
    })
}

/// The points of a KM step function: flat over each interval, dropping at
/// its end.
fn step_points(curve: &SurvivalCurve, value: impl Fn(usize) -> f64) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(2 * curve.steps.len() + 1);
    let mut prev = 1.0;
    for (k, s) in curve.steps.iter().enumerate() {
        if k == 0 {
            pts.push((s.start, 1.0));
        }
        let v = value(k);
        pts.push((s.end, prev));
        pts.push((s.end, v));
        prev = v;
    }
    pts.retain(|(x, y)| x.is_finite() && y.is_finite());
    pts
}

/// Kaplan-Meier step curves, one series per group, with dashed-looking
/// light 95% limits.
pub(super) fn survival(caption: &str, time: &str, curves: &[SurvivalCurve]) -> String {
    let ends = curves
        .iter()
        .flat_map(|c| c.steps.iter().flat_map(|s| [s.start, s.end]));
    let (t0, t1) = ends
        .filter(|t| t.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
            (a.min(t), b.max(t))
        });
    if t0 >= t1 {
        return "<p class=\"note\">No survival curve to draw: no released interval.</p>\n".into();
    }
    figure("survival", caption, |root| {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(t0.min(0.0)..t1, 0.0..1.02)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(time)
            .y_desc("survival probability")
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        for (k, curve) in curves.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            for limit in [0, 1] {
                let pts = step_points(curve, |i| {
                    curve.steps.get(i).map_or(f64::NAN, |s| {
                        if limit == 0 {
                            s.ci_low
                        } else {
                            s.ci_high
                        }
                    })
                });
                chart
                    .draw_series(LineSeries::new(pts, color.mix(0.3).stroke_width(1)))
                    .map_err(err)?;
            }
            let pts = step_points(curve, |i| {
                curve.steps.get(i).map_or(f64::NAN, |s| s.survival)
            });
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(err)?
                .label(curve.group.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(err)
    })
}

/// Estimates with 95% whiskers, one row per term (first term on top), and
/// a vertical reference line at `reference` (0: no effect).
pub(super) fn coefficients(
    caption: &str,
    x_desc: &str,
    coefs: &[CoefPoint],
    reference: f64,
) -> String {
    let coefs: Vec<&CoefPoint> = coefs.iter().filter(|c| c.estimate.is_finite()).collect();
    if coefs.is_empty() {
        return String::new();
    }
    let xs = coefs.iter().flat_map(|c| {
        let (lo, hi) = c.ci.unwrap_or((c.estimate, c.estimate));
        [c.estimate, lo, hi]
    });
    let (lo, hi) = xs
        .filter(|v| v.is_finite())
        .fold((reference, reference), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = padded(lo, hi);
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
            let (a, b) = c.ci.filter(|(a, b)| a.is_finite() && b.is_finite())?;
            Some(PathElement::new(
                vec![(a, row(i)), (b, row(i))],
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
    use crate::results::SurvivalStep;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("<b{i}>")).collect()
    }

    #[test]
    fn bar_chart_with_one_and_many_categories() {
        for k in [1, 2, 7] {
            let values: Vec<Option<f64>> = (0..k).map(|i| Some(i as f64 + 1.0)).collect();
            let svg = bars("histogram", "cap & <x>", &labels(k), &values, "count");
            assert!(
                svg.starts_with("<figure>\n<svg class=\"chart histogram\""),
                "{svg}"
            );
            assert!(svg.contains("<figcaption>cap &amp; &lt;x&gt;</figcaption>"));
            // Labels are plotters-escaped text, one per category.
            for i in 0..k {
                assert_eq!(svg.matches(&format!("&lt;b{i}&gt;")).count(), 1, "k={k}");
            }
        }
    }

    #[test]
    fn bar_chart_marks_suppressed_and_skips_non_finite() {
        let svg = bars(
            "bars",
            "c",
            &labels(3),
            &[Some(2.0), None, Some(f64::NAN)],
            "mean",
        );
        assert_eq!(svg.matches("suppressed").count(), 1);
        assert!(!svg.contains("NaN"));
        assert_eq!(bars("bars", "c", &[], &[], "n"), "");
    }

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

    #[test]
    fn survival_without_steps_is_a_note() {
        let empty = SurvivalCurve {
            group: "all".into(),
            steps: vec![],
            note: None,
        };
        assert!(survival("c", "t", &[empty]).starts_with("<p class=\"note\">"));
        let step = SurvivalStep {
            start: 0.0,
            end: 5.0,
            at_risk: 10,
            events: 2,
            censored: 0,
            survival: 0.8,
            ci_low: 0.4,
            ci_high: 0.95,
        };
        let one = SurvivalCurve {
            group: "all".into(),
            steps: vec![step],
            note: None,
        };
        let svg = survival("c", "t", &[one]);
        assert!(svg.contains("class=\"chart survival\""));
        // The curve and its legend sample are the only 2-pixel lines.
        let thick = svg
            .split("<polyline")
            .filter(|p| p.contains("stroke-width=\"2\""))
            .count();
        assert_eq!(thick, 2, "{svg}");
        assert!(svg.contains("points=\"") && svg.contains(">\nall\n</text>"));
    }
}
