//! Charts as inline SVG, drawn in Rust.
//!
//! The HTML report must open offline as one file, so charts are plain SVG text: no JavaScript
//! library, no fonts or images fetched. Every chart carries its title, the unit (with the
//! currency and scale, e.g. "USD million") on its value axis, tick labels, a legend when it has
//! more than one series, and a `<title>` tooltip on every bar with the exact value. Every bar
//! also carries `data-label` and `data-value` attributes (full precision) so that a test, or a
//! reader's script, can check the chart against the numbers it was drawn from.
//!
//! Two shapes cover the report: horizontal bars ([`hbar_chart`]; one series → sorted or
//! diverging bars coloured by sign, several series → grouped bars) and vertical stacked columns
//! ([`stacked_columns`], e.g. import composition by end use over years).

use crate::html::escape;
use std::fmt::Write as _;

/// What the numbers measure; decides the axis caption, the scale and the value labels.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    /// Money in a currency (ISO 4217 code such as "USD"); scaled to thousand/million/billion.
    Money(String),
    /// Percent values as given (1.5 means 1.5 %).
    Percent,
    /// Counts of something (e.g. "jobs"); scaled to thousand/million.
    Count(String),
    /// Plain numbers without a unit.
    Plain,
}

/// A power-of-1000 scale chosen from the largest magnitude in a chart.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    divisor: f64,
    word: &'static str,
}

impl Unit {
    fn scale_for(&self, max_abs: f64) -> Scale {
        let none = Scale {
            divisor: 1.0,
            word: "",
        };
        match self {
            Unit::Percent | Unit::Plain => none,
            Unit::Money(_) | Unit::Count(_) => {
                if max_abs >= 1e9 {
                    Scale {
                        divisor: 1e9,
                        word: "billion",
                    }
                } else if max_abs >= 1e6 {
                    Scale {
                        divisor: 1e6,
                        word: "million",
                    }
                } else if max_abs >= 1e4 {
                    Scale {
                        divisor: 1e3,
                        word: "thousand",
                    }
                } else {
                    none
                }
            }
        }
    }

    /// The axis caption suffix, e.g. "USD million", "%", "thousand jobs".
    fn caption(&self, scale: Scale) -> String {
        let join = |a: &str, b: &str| {
            if a.is_empty() {
                b.to_string()
            } else {
                format!("{b} {a}")
            }
        };
        match self {
            Unit::Money(cur) => join(scale.word, cur),
            Unit::Percent => "%".to_string(),
            Unit::Count(what) => {
                if scale.word.is_empty() {
                    what.clone()
                } else {
                    format!("{} {what}", scale.word)
                }
            }
            Unit::Plain => scale.word.to_string(),
        }
    }

    /// The exact value for tooltips: all digits, with the unit.
    pub fn exact(&self, v: f64) -> String {
        let s = crate::table::format_float(v);
        match self {
            Unit::Money(cur) => format!("{s} {cur}"),
            Unit::Percent => format!("{s} %"),
            Unit::Count(what) => format!("{s} {what}"),
            Unit::Plain => s,
        }
    }
}

/// Axis and title texts of a chart.
#[derive(Debug, Clone)]
pub struct ChartText {
    /// The chart title, drawn at the top of the SVG.
    pub title: String,
    /// What the value axis measures, without the unit (e.g. "Trade balance"); the unit and
    /// scale are appended.
    pub value_axis: String,
    /// What the category axis lists (e.g. "Partner", "Year").
    pub category_axis: String,
    /// The unit of the values.
    pub unit: Unit,
    /// A line under the chart (source, what was left out).
    pub note: Option<String>,
}

/// One category of a horizontal bar chart: its label and one value per series.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    /// Category label (a country code, a product).
    pub label: String,
    /// One value per series; NaN is drawn as no bar.
    pub values: Vec<f64>,
}

/// Colour-blind-safe palette (Okabe & Ito 2008), in the order series take them.
pub const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999",
];
/// Colour of positive bars in a single-series chart (blue) and of negative ones (vermillion).
const POSITIVE: &str = "#0072B2";
const NEGATIVE: &str = "#D55E00";

/// Chart width in SVG user units; the SVG scales to its container through `viewBox`.
const WIDTH: f64 = 820.0;
const FONT: &str =
    "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\"";

/// "Nice" ticks (1, 2, 2.5, 5 × 10^k) covering `[lo, hi]`, about `target` of them.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) = if lo == hi {
        if lo == 0.0 {
            (0.0, 1.0)
        } else {
            (lo.min(0.0), hi.max(0.0))
        }
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor() as i64;
    let last = (hi / step).ceil() as i64;
    // Bounded: (hi - lo) / step <= target + 2 by the choice of step.
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Decimals that show a tick step without noise (step 0.25 → 2, step 50 → 0).
fn decimals_for(step: f64) -> usize {
    if step <= 0.0 || !step.is_finite() {
        return 0;
    }
    let mut d = 0;
    while d < 6
        && ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() > 1e-6
    {
        d += 1;
    }
    d
}

/// A short value label with about three significant digits and thousands separators.
pub fn short_number(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let a = v.abs();
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    group_thousands(&format!("{v:.decimals$}"))
}

fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // "-0" and "-0.0" read as noise on an axis.
    let s = if s
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    };
    group_thousands(&s)
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("−", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::from(sign);
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// "Trade balance (USD million)"; no parentheses when there is no unit to name.
fn axis_caption(text: &ChartText, scale: Scale) -> String {
    let unit = text.unit.caption(scale);
    if unit.is_empty() {
        text.value_axis.clone()
    } else {
        format!("{} ({unit})", text.value_axis)
    }
}

/// Long category labels are cut with an ellipsis (the tooltip keeps the whole label).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(max - 1).collect();
        c.push('…');
        c
    }
}

/// Approximate text width in SVG units for a sans-serif font of `size` (no font metrics offline).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

fn svg_open(out: &mut String, height: f64, text: &ChartText, kind: &str) {
    let _ = write!(
        out,
        "<svg class=\"chart\" data-chart=\"{kind}\" xmlns=\"http://www.w3.org/2000/svg\" \
         viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"100%\" role=\"img\" \
         aria-label=\"{t}\" {FONT} font-size=\"12\">\
         <title>{t}</title>\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text class=\"chart-title\" x=\"12\" y=\"24\" font-size=\"16\" font-weight=\"600\" \
         fill=\"#1a1a1a\">{t}</text>",
        t = escape(&text.title)
    );
}

fn legend(out: &mut String, names: &[String], colors: &[&str], x0: f64, y: f64) {
    let mut x = x0;
    out.push_str("<g class=\"legend\">");
    for (name, color) in names.iter().zip(colors) {
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>",
            y - 10.0,
            x + 16.0,
            y,
            escape(name)
        );
        x += 16.0 + text_width(name, 12.0) + 18.0;
    }
    out.push_str("</g>");
}

fn note_line(out: &mut String, note: &Option<String>, y: f64) {
    if let Some(n) = note {
        // One line that fits the width; the whole note is in the tooltip.
        let fit = ((WIDTH - 24.0) / (11.0 * 0.58)) as usize;
        let _ = write!(
            out,
            "<text class=\"chart-note\" x=\"12\" y=\"{y:.1}\" font-size=\"11\" fill=\"#555\">\
             <title>{}</title>{}</text>",
            escape(n),
            escape(&clip(n, fit))
        );
    }
}

/// Horizontal bars: one row per group, one bar per series, a zero line, value labels, ticks.
///
/// With one series, bars are coloured by sign (blue positive, vermillion negative): a
/// diverging chart when values have both signs, a sorted bar chart otherwise. With several,
/// series take [`PALETTE`] colours and a legend names them. Groups are drawn in the order
/// given: callers sort them (see [`sort_groups`]).
pub fn hbar_chart(text: &ChartText, series: &[String], groups: &[BarGroup]) -> String {
    let k = series.len().max(1);
    let values = || {
        groups
            .iter()
            .flat_map(|g| g.values.iter().copied())
            .filter(|v| v.is_finite())
    };
    let lo = values().fold(0.0f64, f64::min);
    let hi = values().fold(0.0f64, f64::max);
    let max_abs = lo.abs().max(hi.abs());
    let scale = text.unit.scale_for(max_abs);
    let ticks = nice_ticks(lo / scale.divisor, hi / scale.divisor, 6);
    let (t0, t1) = (ticks[0], ticks[ticks.len() - 1]);
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    let tick_dec = decimals_for(step);

    let label_w = groups
        .iter()
        .map(|g| text_width(&clip(&g.label, 34), 12.0))
        .fold(40.0, f64::max)
        .min(220.0);
    let bar_h = if k == 1 { 18.0 } else { 13.0 };
    let row_h = bar_h * k as f64 + 8.0;
    let top = if k > 1 { 78.0 } else { 44.0 };
    let left = 16.0 + label_w + 8.0;
    // Room for value labels outside the bars at either end.
    let pad_l = if lo < 0.0 { 62.0 } else { 4.0 };
    let pad_r = if hi > 0.0 { 62.0 } else { 4.0 };
    let x0 = left + pad_l;
    let x1 = WIDTH - 16.0 - pad_r;
    let plot_h = row_h * groups.len().max(1) as f64;
    let axis_y = top + plot_h;
    let height = axis_y + 52.0 + if text.note.is_some() { 18.0 } else { 0.0 };
    let xs = |v: f64| x0 + (v / scale.divisor - t0) / (t1 - t0) * (x1 - x0);

    let kind = if k > 1 {
        "grouped"
    } else if lo < 0.0 && hi > 0.0 {
        "diverging"
    } else {
        "sorted"
    };
    let mut out = String::with_capacity(4096 + groups.len() * 600);
    svg_open(&mut out, height, text, kind);
    let colors: Vec<&str> = (0..k).map(|i| PALETTE[i % PALETTE.len()]).collect();
    if k > 1 {
        legend(&mut out, series, &colors, 12.0, 48.0);
    }
    // Grid and tick labels.
    out.push_str("<g class=\"axis\">");
    for t in &ticks {
        let x = x0 + (t - t0) / (t1 - t0) * (x1 - x0);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{axis_y:.1}\" stroke=\"#e3e3e3\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
            axis_y + 16.0,
            fixed(*t, tick_dec)
        );
    }
    let zx = xs(0.0);
    let _ = write!(
        out,
        "<line x1=\"{zx:.1}\" y1=\"{:.1}\" x2=\"{zx:.1}\" y2=\"{axis_y:.1}\" stroke=\"#333\"/>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#222\">{}</text>\
         <text class=\"axis-label\" x=\"16\" y=\"{:.1}\" fill=\"#222\" font-weight=\"600\">{}</text></g>",
        top - 4.0,
        (x0 + x1) / 2.0,
        axis_y + 36.0,
        escape(&axis_caption(text, scale)),
        top - 6.0,
        escape(&text.category_axis),
    );
    for (gi, g) in groups.iter().enumerate() {
        let gy = top + gi as f64 * row_h + 4.0;
        let _ = write!(
            out,
            "<text class=\"category\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#222\">{}</text>",
            left - 8.0,
            gy + bar_h * k as f64 / 2.0 + 4.0,
            escape(&clip(&g.label, 34))
        );
        for (si, v) in g.values.iter().enumerate().take(k) {
            if !v.is_finite() {
                continue;
            }
            let y = gy + si as f64 * bar_h;
            let (a, b) = (xs(0.0), xs(*v));
            let (bx, bw) = (a.min(b), (a - b).abs().max(0.5));
            let color = if k == 1 {
                if *v < 0.0 {
                    NEGATIVE
                } else {
                    POSITIVE
                }
            } else {
                colors[si]
            };
            let series_name = series.get(si).map(String::as_str).unwrap_or("");
            let tip = if k == 1 {
                format!("{}: {}", g.label, text.unit.exact(*v))
            } else {
                format!("{} · {}: {}", g.label, series_name, text.unit.exact(*v))
            };
            let (lx, anchor) = if *v < 0.0 {
                (b - 4.0, "end")
            } else {
                (b + 4.0, "start")
            };
            let _ = write!(
                out,
                "<g class=\"bar\" data-label=\"{}\" data-series=\"{}\" data-value=\"{}\">\
                 <title>{}</title>\
                 <rect x=\"{bx:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{color}\"/>\
                 <text class=\"value\" x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" \
                 font-size=\"{}\" fill=\"#333\">{}</text></g>",
                escape(&g.label),
                escape(series_name),
                v,
                escape(&tip),
                bar_h - 2.0,
                y + bar_h / 2.0 + 3.5,
                if k == 1 { 11 } else { 10 },
                // A zero bar has no length to label; its tooltip still says 0.
                if *v == 0.0 {
                    String::new()
                } else {
                    short_number(v / scale.divisor)
                },
            );
        }
    }
    note_line(&mut out, &text.note, axis_y + 52.0);
    out.push_str("</svg>");
    out
}

/// Sorts groups by the sum of their finite values, largest first, and keeps at most `max`
/// of them, choosing those with the largest absolute sums. Returns how many were left out.
pub fn sort_groups(groups: &mut Vec<BarGroup>, max: usize) -> usize {
    let total = |g: &BarGroup| -> f64 { g.values.iter().filter(|v| v.is_finite()).sum() };
    let mut dropped = 0;
    if groups.len() > max {
        groups.sort_by(|a, b| total(b).abs().total_cmp(&total(a).abs()));
        dropped = groups.len() - max;
        groups.truncate(max);
    }
    groups.sort_by(|a, b| total(b).total_cmp(&total(a)));
    dropped
}

/// Vertical stacked columns: one column per category (e.g. year), one segment per series
/// (e.g. end-use class), a legend, the column total above each column and a tooltip on every
/// segment with its value and share of the column. Positive values stack up from zero,
/// negative ones down.
///
/// `values[s][c]` is series `s` in category `c`.
pub fn stacked_columns(
    text: &ChartText,
    categories: &[String],
    series: &[String],
    values: &[Vec<f64>],
) -> String {
    let n = categories.len().max(1);
    let get = |s: usize, c: usize| -> f64 {
        values
            .get(s)
            .and_then(|r| r.get(c))
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    };
    let pos_sum = |c: usize| (0..series.len()).map(|s| get(s, c).max(0.0)).sum::<f64>();
    let neg_sum = |c: usize| (0..series.len()).map(|s| get(s, c).min(0.0)).sum::<f64>();
    let hi = (0..categories.len()).map(pos_sum).fold(0.0, f64::max);
    let lo = (0..categories.len()).map(neg_sum).fold(0.0, f64::min);
    let scale = text.unit.scale_for(hi.max(-lo));
    let ticks = nice_ticks(lo / scale.divisor, hi / scale.divisor, 6);
    let (t0, t1) = (ticks[0], ticks[ticks.len() - 1]);
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    let tick_dec = decimals_for(step);
    let left = 16.0
        + ticks
            .iter()
            .map(|t| text_width(&fixed(*t, tick_dec), 12.0))
            .fold(24.0, f64::max)
        + 30.0;
    let (top, plot_h) = (78.0, 300.0);
    let axis_y = top + plot_h;
    let x0 = left;
    let x1 = WIDTH - 16.0;
    let ys = |v: f64| axis_y - (v / scale.divisor - t0) / (t1 - t0) * plot_h;
    let slot = (x1 - x0) / n as f64;
    let bw = (slot * 0.62).min(70.0);
    let height = axis_y + 56.0 + if text.note.is_some() { 18.0 } else { 0.0 };

    let mut out = String::with_capacity(4096 + categories.len() * series.len() * 400);
    svg_open(&mut out, height, text, "stacked");
    let colors: Vec<&str> = (0..series.len())
        .map(|i| PALETTE[i % PALETTE.len()])
        .collect();
    legend(&mut out, series, &colors, 12.0, 48.0);
    out.push_str("<g class=\"axis\">");
    for t in &ticks {
        let y = axis_y - (t - t0) / (t1 - t0) * plot_h;
        let _ = write!(
            out,
            "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#444\">{}</text>",
            if *t == 0.0 { "#333" } else { "#e3e3e3" },
            x0 - 6.0,
            y + 4.0,
            fixed(*t, tick_dec)
        );
    }
    let _ = write!(
        out,
        "<text class=\"axis-label\" transform=\"translate(18 {:.1}) rotate(-90)\" \
         text-anchor=\"middle\" fill=\"#222\">{}</text>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#222\">{}</text></g>",
        top + plot_h / 2.0,
        escape(&axis_caption(text, scale)),
        (x0 + x1) / 2.0,
        axis_y + 40.0,
        escape(&text.category_axis),
    );
    for (c, cat) in categories.iter().enumerate() {
        let cx = x0 + slot * (c as f64 + 0.5);
        let total: f64 = (0..series.len()).map(|s| get(s, c)).sum();
        let (mut up, mut down) = (0.0f64, 0.0f64);
        for (s, name) in series.iter().enumerate() {
            let v = get(s, c);
            if v == 0.0 {
                continue;
            }
            let (a, b) = if v > 0.0 {
                let a = up;
                up += v;
                (a, up)
            } else {
                let a = down;
                down += v;
                (a, down)
            };
            let (ya, yb) = (ys(a), ys(b));
            let share = if total != 0.0 { v / total * 100.0 } else { 0.0 };
            let _ = write!(
                out,
                "<g class=\"bar\" data-label=\"{}\" data-series=\"{}\" data-value=\"{}\">\
                 <title>{}</title>\
                 <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\" \
                 stroke=\"#fff\" stroke-width=\"0.5\"/></g>",
                escape(cat),
                escape(name),
                v,
                escape(&format!(
                    "{cat} · {name}: {} ({share:.1} % of total)",
                    text.unit.exact(v)
                )),
                cx - bw / 2.0,
                ya.min(yb),
                (ya - yb).abs().max(0.5),
                colors[s],
            );
        }
        let _ = write!(
            out,
            "<text class=\"value\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" \
             fill=\"#333\" data-total=\"{total}\">{}</text>\
             <text class=\"category\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#222\">{}</text>",
            ys(up) - 5.0,
            short_number(total / scale.divisor),
            axis_y + 16.0,
            escape(cat),
        );
    }
    note_line(&mut out, &text.note, axis_y + 56.0);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(unit: Unit) -> ChartText {
        ChartText {
            title: "Balance <by> partner & \"year\"".into(),
            value_axis: "Trade balance".into(),
            category_axis: "Partner".into(),
            unit,
            note: Some("Source: synthetic".into()),
        }
    }

    #[test]
    fn ticks_are_nice_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let t = nice_ticks(-3.2, 7.9, 6);
        assert!(t[0] <= -3.2 && *t.last().unwrap() >= 7.9);
        assert!(t.contains(&0.0));
        assert_eq!(
            nice_ticks(0.0, 0.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(decimals_for(0.25), 2);
        assert_eq!(decimals_for(50.0), 0);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(short_number(1234.6), "1,235");
        assert_eq!(short_number(-12.345), "−12.3");
        assert_eq!(short_number(0.01234), "0.012");
        assert_eq!(fixed(-0.0, 1), "0.0");
    }

    #[test]
    fn money_scales_to_the_largest_magnitude() {
        let u = Unit::Money("USD".into());
        assert_eq!(u.caption(u.scale_for(2.5e9)), "USD billion");
        assert_eq!(u.caption(u.scale_for(2.5e6)), "USD million");
        assert_eq!(u.caption(u.scale_for(250.0)), "USD");
        assert_eq!(Unit::Percent.caption(Unit::Percent.scale_for(1e9)), "%");
    }

    #[test]
    fn diverging_bars_carry_values_labels_and_escaped_text() {
        let mut groups = vec![
            BarGroup {
                label: "ZAF".into(),
                values: vec![-2.5e6],
            },
            BarGroup {
                label: "A<B".into(),
                values: vec![4.0e6],
            },
        ];
        assert_eq!(sort_groups(&mut groups, 10), 0);
        assert_eq!(groups[0].label, "A<B");
        let svg = hbar_chart(
            &text(Unit::Money("USD".into())),
            &["Balance".into()],
            &groups,
        );
        assert!(svg.contains("data-chart=\"diverging\""));
        assert!(svg.contains("data-value=\"-2500000\""));
        assert!(svg.contains("data-label=\"A&lt;B\""));
        assert!(svg.contains("Balance &lt;by&gt; partner &amp; &quot;year&quot;"));
        assert!(svg.contains("Trade balance (USD million)"));
        assert!(svg.contains(NEGATIVE) && svg.contains(POSITIVE));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn sort_keeps_the_largest_magnitudes() {
        let mut g: Vec<BarGroup> = [1.0, -50.0, 3.0, 40.0, -2.0]
            .iter()
            .enumerate()
            .map(|(i, v)| BarGroup {
                label: format!("C{i}"),
                values: vec![*v],
            })
            .collect();
        assert_eq!(sort_groups(&mut g, 3), 2);
        let labels: Vec<_> = g.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["C3", "C2", "C1"]);
    }

    #[test]
    fn stacked_columns_have_legend_and_totals() {
        let svg = stacked_columns(
            &text(Unit::Money("USD".into())),
            &["2019".into(), "2020".into()],
            &["Consumption".into(), "Capital".into()],
            &[vec![1e9, 2e9], vec![0.5e9, f64::NAN]],
        );
        assert!(svg.contains("data-chart=\"stacked\""));
        assert!(svg.contains("class=\"legend\""));
        assert!(svg.contains("data-total=\"1500000000\""));
        assert!(svg.contains("(USD billion)"));
        assert_eq!(svg.matches("<g class=\"bar\"").count(), 3);
    }

    /// Every rect of a chart (x, y, width, height), parsed back from the SVG.
    fn rects(svg: &str) -> Vec<[f64; 4]> {
        let num = |tag: &str, a: &str| -> f64 {
            let k = format!(" {a}=\"");
            let i = tag.find(&k).unwrap() + k.len();
            tag[i..i + tag[i..].find('"').unwrap()].parse().unwrap()
        };
        svg.match_indices("<rect x=")
            .map(|(i, _)| {
                let tag = &svg[i..i + svg[i..].find("/>").unwrap()];
                [
                    num(tag, "x"),
                    num(tag, "y"),
                    num(tag, "width"),
                    num(tag, "height"),
                ]
            })
            .collect()
    }

    #[test]
    fn bars_stay_inside_the_chart_and_scale_with_their_values() {
        let datasets: [&[f64]; 4] = [
            &[1.0, 2.0, 3.0],
            &[-5e9, 2e9, 0.0, 7.5e9],
            &[-0.001, -0.002],
            &[1e-12, 3e6, -4e6],
        ];
        for data in datasets {
            let groups: Vec<BarGroup> = data
                .iter()
                .enumerate()
                .map(|(i, v)| BarGroup {
                    label: format!("C{i}"),
                    values: vec![*v],
                })
                .collect();
            let svg = hbar_chart(&text(Unit::Money("USD".into())), &["v".into()], &groups);
            let h: f64 = {
                let i = svg.find("viewBox=\"0 0 ").unwrap() + 13;
                let rest = &svg[i..];
                rest[rest.find(' ').unwrap() + 1..rest.find('"').unwrap()]
                    .parse()
                    .unwrap()
            };
            let bars: Vec<[f64; 4]> = rects(&svg).into_iter().filter(|r| r[3] == 16.0).collect();
            assert_eq!(bars.len(), data.len(), "{data:?}");
            for r in &bars {
                assert!(r[0] >= 0.0 && r[0] + r[2] <= WIDTH && r[1] >= 0.0 && r[1] + r[3] <= h);
            }
            // Bar length is proportional to |value| (up to the 0.5 minimum and rounding).
            let big = data.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let wmax = bars.iter().fold(0.0f64, |m, r| m.max(r[2]));
            for (r, v) in bars.iter().zip(data) {
                let want = v.abs() / big * wmax;
                assert!(
                    (r[2] - want.max(0.5)).abs() <= 0.2,
                    "{data:?}: {} vs {want}",
                    r[2]
                );
            }
        }
    }

    #[test]
    fn empty_and_constant_inputs_do_not_break() {
        let svg = hbar_chart(&text(Unit::Percent), &["x".into()], &[]);
        assert!(svg.ends_with("</svg>") && !svg.contains("NaN"));
        let g = vec![BarGroup {
            label: "A".into(),
            values: vec![0.0],
        }];
        let svg = hbar_chart(&text(Unit::Percent), &["x".into()], &g);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let svg = stacked_columns(&text(Unit::Plain), &[], &[], &[]);
        assert!(!svg.contains("NaN"));
    }
}
