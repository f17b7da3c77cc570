//! Plots, as SVG images drawn with plotters (its SVG backend, the text
//! measured with the DejaVu Sans font built into procsim, so that nothing
//! is read from the system).
//!
//! * [`series`] reads what a run's or a sweep's folder holds into time
//!   series: for a run, its values at each tick; for a sweep, at each tick,
//!   each point's mean over its complete runs with the 95% confidence
//!   interval of that mean ([`crate::sweep::stats`]).
//! * [`chart`] draws them: one panel per figure — live processes, stopped
//!   processes, orphaned groups, orphaned groups signalled (the total so
//!   far) and deaths by signal (the total so far) — one line per point, its
//!   band the interval.
//!
//! `procsim bench`'s scaling chart is drawn with the same setup
//! ([`crate::bench::chart`]).

pub mod chart;
pub mod series;

use std::sync::Once;

/// The font family every plot's text is in.
pub const FONT: &str = "sans-serif";

/// Registers the built-in font under [`FONT`], once: plotters measures
/// text with it to lay the plot out.
pub fn register_font() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        let font = dejavu::sans::regular();
        plotters::style::register_font(FONT, plotters::style::FontStyle::Normal, font)
            .unwrap_or_else(|_| panic!("the built-in DejaVu Sans is a font"));
    });
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The folder holds no run or sweep, or its tables do not read.
    #[error("{0}")]
    Input(String),
    /// plotters could not draw.
    #[error("cannot draw the plot: {0}")]
    Draw(String),
}
