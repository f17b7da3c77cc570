//! The scaling chart: events per second and bytes per process against the
//! population, each beside the issue's targets, drawn as an SVG image with
//! nothing but text formatting.
//!
//! The population axis is logarithmic (a decade a step); events per second
//! are on a linear axis from zero, bytes per process on a logarithmic one
//! (a small world's cost per process is mostly what every run costs, and
//! would flatten the rest). The targets are drawn where they apply: events per
//! second at least 2 M at 10^6 processes and 1 M at 10^7, at most 110 bytes
//! per process at 10^7. When bevy_ecs's floor was measured, the memory of
//! its bare entity is drawn too: no layout on bevy_ecs can go below it.

use crate::bench::floor::FloorRun;
use crate::bench::table::ScalingRow;
use std::fmt::Write;

/// Targets: (population, events per second at least).
const EVENTS_TARGETS: [(f64, f64); 2] = [(1e6, 2e6), (1e7, 1e6)];

/// Target: (population, bytes per process at most).
const BYTES_TARGET: (f64, f64) = (1e7, 110.0);

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 420.0;
const SERIES: &str = "#1f5fa8";
const TARGET: &str = "#c0392b";
const FLOOR: &str = "#7f8c8d";

/// The chart of `rows`, with the floor's bare entity (in the largest world it
/// was measured in) if measured, under a caption (where the figures come
/// from).
pub fn svg(rows: &[ScalingRow], floor: &[FloorRun], caption: &str) -> String {
    let populations: Vec<f64> = rows.iter().map(|r| r.run.population as f64).collect();
    let events: Vec<(f64, f64)> = rows.iter().map(|r| (r.run.population as f64, r.run.events_per_s())).collect();
    let bytes: Vec<(f64, f64)> = rows.iter().map(|r| (r.run.population as f64, r.run.bytes_per_process())).collect();
    let bare = floor.iter().filter(|f| f.components == 0).max_by_key(|f| f.entities).map(FloorRun::bytes_per_entity);
    let population_decades = decades(populations.iter().copied().chain(EVENTS_TARGETS.map(|(p, _)| p)));

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="16">procsim, calibration workload: cost against population</text>"#,
        WIDTH / 2.0
    );
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#555">{}</text>"##,
        WIDTH / 2.0,
        HEIGHT - 8.0,
        escape(caption)
    );

    let left = Panel::new(
        70.0,
        population_decades,
        Scale::Linear(top(events.iter().map(|p| p.1).chain(EVENTS_TARGETS.map(|t| t.1)))),
    );
    left.frame(&mut out, "events per second (higher is better)", si);
    for (population, target) in EVENTS_TARGETS {
        left.target(&mut out, population, target, &format!("≥ {}", si(target)));
    }
    left.series(&mut out, &events, si);

    let bytes_decades = decades(bytes.iter().map(|p| p.1).chain([BYTES_TARGET.1]).chain(bare));
    let right = Panel::new(560.0, population_decades, Scale::Log(bytes_decades));
    right.frame(&mut out, "peak bytes per live process (lower is better)", |v| format!("{v:.0}"));
    if let Some(bare) = bare {
        right.level(&mut out, bare, FLOOR, &format!("bevy_ecs bare entity: {bare:.0} B"));
    }
    right.target(&mut out, BYTES_TARGET.0, BYTES_TARGET.1, &format!("≤ {:.0} B", BYTES_TARGET.1));
    right.series(&mut out, &bytes, |v| format!("{v:.0}"));
    out.push_str("</svg>\n");
    out
}

/// The decades `values` span: (first, last) exponents of ten.
fn decades(values: impl Iterator<Item = f64>) -> (i32, i32) {
    let (low, high) = values
        .filter(|p| *p > 0.0)
        .map(|p| p.log10())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| (lo.min(e), hi.max(e)));
    if low > high {
        return (0, 1);
    }
    (low.floor() as i32, (high.ceil() as i32).max(low.floor() as i32 + 1))
}

/// A round top for an axis that must show `values`: 1, 2 or 5 times a power of ten.
fn top(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.fold(0.0, f64::max).max(1.0) * 1.1;
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|&t| t >= max).unwrap_or(10.0 * power)
}

/// A value with an SI prefix: 2.5 M, 430 k, 12.
fn si(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{} M", trim(v / 1e6)),
        v if v >= 1e3 => format!("{} k", trim(v / 1e3)),
        v => trim(v),
    }
}

/// At most one decimal, none when it is zero.
fn trim(v: f64) -> String {
    let text = format!("{v:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A value axis.
#[derive(Clone, Copy)]
enum Scale {
    /// From zero to the top.
    Linear(f64),
    /// Over the decades from the first to the last exponent of ten.
    Log((i32, i32)),
}

impl Scale {
    /// Where `value` falls, from 0 (the bottom) to 1 (the top).
    fn fraction(self, value: f64) -> f64 {
        match self {
            Scale::Linear(top) => value / top,
            Scale::Log((first, last)) => (value.log10() - f64::from(first)) / f64::from(last - first),
        }
    }

    /// The values of the grid lines.
    fn ticks(self) -> Vec<f64> {
        match self {
            Scale::Linear(top) => (0..=STEPS).map(|step| top * f64::from(step) / f64::from(STEPS)).collect(),
            Scale::Log((first, last)) => (first..last)
                .flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)))
                .chain([10f64.powi(last)])
                .collect(),
        }
    }
}

/// One plot: a population axis in decades and a value axis.
struct Panel {
    left: f64,
    decades: (i32, i32),
    scale: Scale,
}

const PANEL_TOP: f64 = 60.0;
const PANEL_WIDTH: f64 = 360.0;
const PANEL_HEIGHT: f64 = 290.0;
/// Divisions of a linear value axis.
const STEPS: u32 = 5;

impl Panel {
    fn new(left: f64, decades: (i32, i32), scale: Scale) -> Panel {
        Panel { left, decades, scale }
    }

    fn x(&self, population: f64) -> f64 {
        let (first, last) = self.decades;
        self.left + (population.log10() - f64::from(first)) / f64::from(last - first) * PANEL_WIDTH
    }

    fn y(&self, value: f64) -> f64 {
        PANEL_TOP + PANEL_HEIGHT * (1.0 - self.scale.fraction(value))
    }

    fn bottom(&self) -> f64 {
        PANEL_TOP + PANEL_HEIGHT
    }

    /// The axes, their grid and labels, and the title.
    fn frame(&self, out: &mut String, title: &str, label: fn(f64) -> String) {
        let (left, right, bottom) = (self.left, self.left + PANEL_WIDTH, self.bottom());
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="13">{title}</text>"#,
            left + PANEL_WIDTH / 2.0,
            PANEL_TOP - 12.0
        );
        for value in self.scale.ticks() {
            let y = self.y(value);
            let _ = writeln!(out, r##"<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#e5e5e5"/>"##);
            let _ =
                writeln!(out, r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#, left - 6.0, y + 4.0, label(value));
        }
        for exponent in self.decades.0..=self.decades.1 {
            let x = self.x(10f64.powi(exponent));
            let _ = writeln!(out, r##"<line x1="{x}" y1="{PANEL_TOP}" x2="{x}" y2="{bottom}" stroke="#e5e5e5"/>"##);
            let _ = writeln!(
                out,
                r#"<text x="{x}" y="{}" text-anchor="middle">10<tspan dy="-5" font-size="9">{exponent}</tspan></text>"#,
                bottom + 18.0
            );
        }
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle">live processes</text>"#,
            left + PANEL_WIDTH / 2.0,
            bottom + 34.0
        );
        let _ = writeln!(
            out,
            r##"<rect x="{left}" y="{PANEL_TOP}" width="{PANEL_WIDTH}" height="{PANEL_HEIGHT}" fill="none" stroke="#333"/>"##
        );
    }

    /// The measured points, joined, each labelled with its value.
    fn series(&self, out: &mut String, points: &[(f64, f64)], label: fn(f64) -> String) {
        let path: Vec<String> = points.iter().map(|&(p, v)| format!("{:.1},{:.1}", self.x(p), self.y(v))).collect();
        let _ =
            writeln!(out, r#"<polyline points="{}" fill="none" stroke="{SERIES}" stroke-width="2"/>"#, path.join(" "));
        for &(p, v) in points {
            let (x, y) = (self.x(p), self.y(v));
            let _ = writeln!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{SERIES}"/>"#);
            let _ = writeln!(out, r#"<text x="{:.1}" y="{:.1}" fill="{SERIES}">{}</text>"#, x + 6.0, y - 6.0, label(v));
        }
    }

    /// A target at one population: a short dashed mark that ends there,
    /// labelled.
    fn target(&self, out: &mut String, population: f64, value: f64, label: &str) {
        let (x, y) = (self.x(population), self.y(value));
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{x:.1}" y2="{y:.1}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="5,3"/>"#,
            x - 30.0
        );
        let _ =
            writeln!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="none" stroke="{TARGET}" stroke-width="2"/>"#);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{TARGET}">target {label}</text>"#,
            x - 34.0,
            y + 4.0
        );
    }

    /// A level across the whole plot, labelled.
    fn level(&self, out: &mut String, value: f64, color: &str, label: &str) {
        let (y, right) = (self.y(value), self.left + PANEL_WIDTH);
        let _ = writeln!(
            out,
            r#"<line x1="{}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="{color}" stroke-dasharray="2,3"/>"#,
            self.left
        );
        let _ = writeln!(out, r#"<text x="{}" y="{:.1}" fill="{color}">{label}</text>"#, self.left + 6.0, y - 5.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round_and_span_the_decades() {
        assert_eq!(top([1_730.0].into_iter()), 2_000.0);
        assert_eq!(top([410.0, 110.0].into_iter()), 500.0);
        assert_eq!(decades([1e4, 1e5, 1e7].into_iter()), (4, 7));
        assert_eq!(decades([1e4].into_iter()), (4, 5));
        assert_eq!(si(2_500_000.0), "2.5 M");
        assert_eq!(si(430_000.0), "430 k");
        assert_eq!(Scale::Log((1, 3)).ticks(), [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]);
        assert_eq!(Scale::Log((1, 3)).fraction(100.0), 0.5);
    }

    #[test]
    fn an_empty_chart_is_still_an_image() {
        let svg = svg(&[], &[], "a <caption>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n") && svg.contains("a &lt;caption&gt;"));
    }
}
