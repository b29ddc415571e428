//! Charts drawn with plotters' SVG backend, inlined into the page: bar
//! charts (histograms, grouped counts and means) and Kaplan-Meier step
//! curves, and the helpers the coefficient plot (`coefplot`) shares.
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
use duet_stats::results::SurvivalCurve;

const SIZE: (u32, u32) = (720, 380);

/// Okabe-Ito colours, distinguishable with common colour blindness.
pub(super) const COLORS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws with `draw` into a fresh SVG and wraps it as a captioned figure.
pub(super) fn figure<F>(kind: &str, caption: &str, draw: F) -> String
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

pub(super) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Values beyond this magnitude are not plotted: plotters' tick search
/// does not end on spans near f64's limits (found by the property test).
const MAX_ABS: f64 = 1e12;

pub(super) fn plottable(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_ABS
}

/// The axis range over the plottable `values` and `anchor` (0 or the
/// reference line), widened by 5%, or by 0.5 when it is empty.
pub(super) fn axis(values: impl Iterator<Item = f64>, anchor: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|&v| plottable(v))
        .fold((anchor, anchor), |(a, b), v| (a.min(v), b.max(v)));
    let span = hi - lo;
    let pad = if span > 1e-200 { span * 0.05 } else { 0.5 };
    (lo - pad, hi + pad)
}

/// `k` category slots (a discrete range's ends are both values, so
/// `0..k` would give k + 1).
pub(super) fn categories(k: usize) -> SegmentedCoord<RangedCoordusize> {
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
    if labels.is_empty() {
        return String::new();
    }
    let (lo, hi) = axis(values.iter().flatten().copied(), 0.0);
    // Bars start at 0: no padding below it unless a value is negative.
    let lo = if values.iter().flatten().any(|&v| plottable(v) && v < 0.0) {
        lo
    } else {
        0.0
    };
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
            .filter_map(|(i, v)| v.filter(|&v| plottable(v)).map(|v| (i, v)));
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
    // A probability outside [0, 1] would be drawn far off the axis, which
    // plotters cannot map (integer overflow): pin it to the edge.
    pts.retain(|&(x, y)| plottable(x) && !y.is_nan());
    pts.iter_mut().for_each(|p| p.1 = p.1.clamp(0.0, 1.0));
    pts
}

/// Kaplan-Meier step curves, one series per group, with their 95% limits
/// as thin light steps of the same colour.
pub(super) fn survival(caption: &str, time: &str, curves: &[SurvivalCurve]) -> String {
    let ends = curves
        .iter()
        .flat_map(|c| c.steps.iter().flat_map(|s| [s.start, s.end]));
    let ends: Vec<f64> = ends.filter(|&t| plottable(t)).collect();
    if ends.is_empty() {
        return "<p class=\"note\">No survival curve to draw: no released interval.</p>\n".into();
    }
    let negative = ends.iter().any(|&t| t < 0.0);
    let (t0, t1) = axis(ends.into_iter(), 0.0);
    let t0 = if negative { t0 } else { 0.0 };
    figure("survival", caption, |root| {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(t0..t1, 0.0..1.02)
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::html::coefplot::{coefficients, CoefPoint};
    use duet_stats::results::{Estimator, MedianSurvival, SurvivalStep};

    fn any_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            -1e6f64..1e6,
            Just(0.0),
            Just(f64::MAX),
            Just(f64::MIN_POSITIVE),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any released values (huge, tiny, equal, NaN) give a chart or a
        /// note, never a panic.
        #[test]
        fn charts_never_panic(
            vals in prop::collection::vec(prop::option::of(any_value()), 0..6),
            ci in prop::collection::vec((any_value(), any_value()), 6),
        ) {
            let names = labels(vals.len());
            let out = bars("bars", "c", &names, &vals, "v");
            prop_assert!(out.is_empty() || out.starts_with("<figure>") || out.starts_with("<p"));
            let pts: Vec<CoefPoint> = vals
                .iter()
                .zip(&ci)
                .zip(&names)
                .map(|((v, ci), t)| CoefPoint { term: t.clone(), estimate: v.unwrap_or(0.0), ci: Some(*ci) })
                .collect();
            let out = coefficients("c", "x", &pts, 0.0);
            prop_assert!(out.is_empty() || out.starts_with("<figure>") || out.starts_with("<p"));
            let steps = ci
                .iter()
                .map(|&(a, b)| SurvivalStep {
                    start: a, end: b, at_risk: 5, events: 1, censored: 0,
                    effective_at_risk: 5.0, survival: a.clamp(0.0, 1.0), ci_low: 0.0, ci_high: b,
                })
                .collect();
            let curve = SurvivalCurve {
                group: "g".into(), steps, estimator: Estimator::Actuarial,
                median: MedianSurvival::default(), note: None,
            };
            let out = survival("c", "t", &[curve]);
            prop_assert!(out.starts_with("<figure>") || out.starts_with("<p"));
        }
    }

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
    fn survival_without_steps_is_a_note() {
        let empty = SurvivalCurve {
            group: "all".into(),
            steps: vec![],
            estimator: Estimator::Actuarial,
            median: MedianSurvival::default(),
            note: None,
        };
        assert!(survival("c", "t", &[empty]).starts_with("<p class=\"note\">"));
        let step = SurvivalStep {
            start: 0.0,
            end: 5.0,
            at_risk: 10,
            events: 2,
            censored: 0,
            effective_at_risk: 10.0,
            survival: 0.8,
            ci_low: 0.4,
            ci_high: 0.95,
        };
        let one = SurvivalCurve {
            group: "all".into(),
            steps: vec![step],
            estimator: Estimator::Actuarial,
            median: MedianSurvival::default(),
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
