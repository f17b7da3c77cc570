//! The scaling chart: events per second and bytes per process against the
//! population, each beside the targets, drawn as an SVG image with
//! plotters, as every plot is ([`crate::plot`]).
//!
//! The population axis is logarithmic; events per second are on a linear
//! axis from zero, bytes per process on a logarithmic one (a small world's
//! cost per process is mostly what every run costs, and would flatten the
//! rest). The targets are drawn where they apply: events per second at least
//! 2 M at 10^6 processes and 1 M at 10^7, at most 110 bytes per process at
//! 10^7. When bevy_ecs's floor was measured, the memory of its bare entity
//! is drawn too: no layout on bevy_ecs can go below it.

use crate::bench::floor::FloorRun;
use crate::bench::table::ScalingRow;
use crate::plot::chart::{COLORS, drawn};
use crate::plot::{FONT, PlotError, register_font};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// Targets: (population, events per second at least).
const EVENTS_TARGETS: [(f64, f64); 2] = [(1e6, 2e6), (1e7, 1e6)];

/// Target: (population, bytes per process at most).
const BYTES_TARGET: (f64, f64) = (1e7, 110.0);

const WIDTH: u32 = 960;
const HEIGHT: u32 = 440;
const TARGET: RGBColor = RGBColor(192, 57, 43);
const FLOOR: RGBColor = RGBColor(127, 140, 141);

/// The chart of `rows`, with the floor's bare entity (in the largest world it
/// was measured in) if measured, under a caption (where the figures come
/// from).
pub fn svg(rows: &[ScalingRow], floor: &[FloorRun], caption: &str) -> Result<String, PlotError> {
    register_font();
    let events: Vec<(f64, f64)> = rows.iter().map(|r| (r.run.population as f64, r.run.events_per_s())).collect();
    let bytes: Vec<(f64, f64)> = rows.iter().map(|r| (r.run.population as f64, r.run.bytes_per_process())).collect();
    let bare = floor.iter().filter(|f| f.components == 0).max_by_key(|f| f.entities).map(FloorRun::bytes_per_entity);
    let populations = decades(events.iter().map(|p| p.0).chain(EVENTS_TARGETS.map(|(p, _)| p)));
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let root = drawn(root.titled("procsim, calibration workload: cost against population", (FONT, 16)))?;
        let (panels, footer) = root.split_vertically(HEIGHT - 60);
        drawn(footer.draw(&Text::new(
            caption.to_owned(),
            (10, 10),
            (FONT, 11).into_font().color(&RGBColor(85, 85, 85)),
        )))?;
        let (left, right) = panels.split_horizontally(WIDTH / 2);
        let top = round_top(events.iter().map(|p| p.1).chain(EVENTS_TARGETS.map(|t| t.1)));
        let targets: Vec<(f64, f64, String)> =
            EVENTS_TARGETS.iter().map(|&(p, v)| (p, v, format!("target ≥ {}", si(v)))).collect();
        let x = (populations.0..populations.1).log_scale();
        panel(&left, "events per second (higher is better)", x.clone(), 0.0..top, &events, &targets, None, si)?;
        let (low, high) = decades(bytes.iter().map(|p| p.1).chain([BYTES_TARGET.1]).chain(bare));
        let target = [(BYTES_TARGET.0, BYTES_TARGET.1, format!("target ≤ {:.0} B", BYTES_TARGET.1))];
        let level = bare.map(|b| (b, format!("bevy_ecs bare entity: {b:.0} B")));
        let y = (low..high).log_scale();
        panel(&right, "peak bytes per live process (lower is better)", x, y, &bytes, &target, level, |v| {
            format!("{v:.0}")
        })?;
        drawn(root.present())?;
    }
    Ok(out)
}

/// One panel: the measured points joined and labelled, the targets as
/// open circles, and a level across it if given.
#[allow(clippy::too_many_arguments)]
fn panel<Y: AsRangedCoord<Value = f64>>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    x: impl AsRangedCoord<Value = f64, CoordDescType: ValueFormatter<f64>>,
    y: Y,
    points: &[(f64, f64)],
    targets: &[(f64, f64, String)],
    level: Option<(f64, String)>,
    label: fn(f64) -> String,
) -> Result<(), PlotError>
where
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = drawn(
        ChartBuilder::on(area)
            .caption(title, (FONT, 13))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(x, y),
    )?;
    drawn(
        chart
            .configure_mesh()
            .x_desc("live processes")
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .y_label_formatter(&|v| label(*v))
            .label_style((FONT, 11))
            .light_line_style(RGBColor(240, 240, 240))
            .draw(),
    )?;
    if let Some((value, name)) = level {
        let (x0, x1) = (chart.x_range().start, chart.x_range().end);
        drawn(chart.draw_series(LineSeries::new([(x0, value), (x1, value)], FLOOR.stroke_width(1))))?;
        drawn(chart.draw_series([Text::new(name, (x0 * 1.2, value * 1.1), (FONT, 11).into_font().color(&FLOOR))]))?;
    }
    for (population, value, name) in targets {
        let style = TARGET.stroke_width(2);
        drawn(chart.draw_series([Circle::new((*population, *value), 5, style)]))?;
        let at = (*population * 0.25, *value);
        drawn(chart.draw_series([Text::new(name.clone(), at, (FONT, 11).into_font().color(&TARGET))]))?;
    }
    let series = COLORS[0];
    drawn(chart.draw_series(LineSeries::new(points.iter().copied(), series.stroke_width(2))))?;
    drawn(chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, series.filled()))))?;
    let labels = points.iter().map(|&(p, v)| Text::new(label(v), (p * 1.1, v), (FONT, 11).into_font().color(&series)));
    drawn(chart.draw_series(labels))?;
    Ok(())
}

/// The powers of ten around `values`: (first, last), at least a decade
/// apart.
fn decades(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .filter(|p| *p > 0.0)
        .map(f64::log10)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| (lo.min(e), hi.max(e)));
    if low > high {
        return (1.0, 10.0);
    }
    let (first, last) = (low.floor(), high.ceil().max(low.floor() + 1.0));
    (10f64.powf(first), 10f64.powf(last))
}

/// A round top for an axis that must show `values`: 1, 2 or 5 times a power of ten.
fn round_top(values: impl Iterator<Item = f64>) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round_and_span_the_decades() {
        assert_eq!(round_top([1_730.0].into_iter()), 2_000.0);
        assert_eq!(round_top([410.0, 110.0].into_iter()), 500.0);
        assert_eq!(decades([1e4, 1e5, 1e7].into_iter()), (1e4, 1e7));
        assert_eq!(decades([1e4].into_iter()), (1e4, 1e5));
        assert_eq!(si(2_500_000.0), "2.5 M");
        assert_eq!(si(430_000.0), "430 k");
    }

    #[test]
    fn an_empty_chart_is_still_an_image() {
        let svg = svg(&[], &[], "a <caption>").unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>") && svg.contains("a &lt;caption&gt;"));
    }
}
