//! `procsim plot`: a run's or a sweep's time series, as an SVG image.

use super::exit::{Exit, Outcome};
use super::output::outln;
use procsim::io::results::write_whole;
use procsim::plot::{PlotError, chart, series};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct PlotArgs {
    /// The folder `procsim run` or `procsim sweep` (or `merge`) wrote.
    dir: PathBuf,
    /// Where to write the image [default: DIR/plot.svg].
    #[arg(long, value_name = "FILE.svg")]
    out: Option<PathBuf>,
}

/// Draws the plot of a run (its figures over time) or of a sweep (each
/// point's mean over its seeds, with the 95% confidence band).
pub fn plot(args: PlotArgs) -> Outcome {
    let plot = series::read(&args.dir).map_err(|e| Exit::BadInput.error(e))?;
    let svg = chart::svg(&plot).map_err(|e| match e {
        PlotError::Input(message) => Exit::BadInput.error(message),
        draw @ PlotError::Draw(_) => Exit::CannotWrite.error(draw),
    })?;
    let out = args.out.unwrap_or_else(|| args.dir.join("plot.svg"));
    write_whole(&out, svg.as_bytes()).map_err(|e| Exit::CannotWrite.error(e))?;
    outln!("{:<18} {}", "plot", out.display())?;
    Ok(Exit::Success)
}
