//! The plot of a run or a sweep: five panels over simulated time, one line
//! per run or point, each with its confidence band when it has one, and a
//! legend in the sixth.

use super::series::{FIGURES, Plot, Sample};
use super::{FONT, PlotError, register_font};
use plotters::coord::Shift;
use plotters::prelude::*;

pub const WIDTH: u32 = 1100;
pub const HEIGHT: u32 = 960;

/// The lines' colours, in turn (Okabe and Ito's, which colour-blind
/// readers tell apart).
pub const COLORS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// The most lines the legend names.
const LEGEND_LINES: usize = 16;

/// What plotters said, as a [`PlotError`].
pub fn drawn<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, PlotError> {
    result.map_err(|e| PlotError::Draw(e.to_string()))
}

/// The plot as an SVG image.
pub fn svg(plot: &Plot) -> Result<String, PlotError> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let root = drawn(root.titled(&plot.title, (FONT, 17)))?;
        let panels = root.split_evenly((3, 2));
        for (f, figure) in FIGURES.iter().enumerate() {
            let series: Vec<&[Sample]> = plot.lines.iter().map(|line| line.series[f].as_slice()).collect();
            panel(&panels[f], figure.title, &series)?;
        }
        legend(&panels[FIGURES.len()], plot)?;
        drawn(root.present())?;
    }
    Ok(out)
}

/// One figure: a line per series, over its band.
fn panel(area: &DrawingArea<SVGBackend<'_>, Shift>, title: &str, series: &[&[Sample]]) -> Result<(), PlotError> {
    let samples = || series.iter().flat_map(|s| s.iter());
    let x_max = samples().map(|s| s.minutes).fold(0.0, f64::max).max(1e-3);
    let y_max = samples().map(|s| s.band.map_or(s.mean, |b| b.1.max(s.mean))).fold(0.0, f64::max).max(1.0) * 1.05;
    let mut chart = drawn(
        ChartBuilder::on(area)
            .caption(title, (FONT, 15))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max),
    )?;
    drawn(
        chart
            .configure_mesh()
            .x_desc("simulated minutes")
            .x_label_formatter(&|v| number(*v))
            .y_label_formatter(&|v| number(*v))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .light_line_style(RGBColor(240, 240, 240))
            .draw(),
    )?;
    for (i, samples) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let band: Vec<(f64, f64, f64)> =
            samples.iter().filter_map(|s| s.band.map(|(low, high)| (s.minutes, low.max(0.0), high))).collect();
        if !band.is_empty() {
            let outline = band.iter().map(|b| (b.0, b.2)).chain(band.iter().rev().map(|b| (b.0, b.1)));
            drawn(chart.draw_series(std::iter::once(Polygon::new(outline.collect::<Vec<_>>(), color.mix(0.2)))))?;
        }
        let line = LineSeries::new(samples.iter().map(|s| (s.minutes, s.mean)), color.stroke_width(2));
        drawn(chart.draw_series(line))?;
    }
    Ok(())
}

/// An axis label: whole numbers as such, others to two decimals at most.
fn number(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The lines' names, in their colours.
fn legend(area: &DrawingArea<SVGBackend<'_>, Shift>, plot: &Plot) -> Result<(), PlotError> {
    let style = TextStyle::from((FONT, 14).into_font());
    let mut y = 40;
    for (i, line) in plot.lines.iter().take(LEGEND_LINES).enumerate() {
        let color = COLORS[i % COLORS.len()];
        drawn(area.draw(&Rectangle::new([(30, y - 6), (60, y + 6)], color.filled())))?;
        let runs = if line.runs == 1 { "1 run".to_owned() } else { format!("{} runs", line.runs) };
        drawn(area.draw(&Text::new(format!("{} ({runs})", line.label), (70, y - 8), style.clone())))?;
        y += 24;
    }
    if plot.lines.len() > LEGEND_LINES {
        let more = format!("… and {} more", plot.lines.len() - LEGEND_LINES);
        drawn(area.draw(&Text::new(more, (70, y - 8), style.clone())))?;
    }
    if plot.lines.is_empty() {
        drawn(area.draw(&Text::new("no complete run to show", (30, 40), style)))?;
    }
    Ok(())
}
