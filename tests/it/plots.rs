//! Every plot is an image a real renderer draws: resvg renders each SVG to
//! pixels (with the built-in font for its text), and at least 1% of them
//! must differ from the background.

use crate::{cli, scratch};
use procsim::bench::chart;
use std::path::Path;

/// The share of `svg`'s pixels, rendered, that differ from its top-left one.
fn drawn_share(svg: &str) -> f64 {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_font_data(dejavu::sans::regular().to_vec());
    let tree = resvg::usvg::Tree::from_str(svg, &options).expect("the SVG parses");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("a size");
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let pixels = pixmap.pixels();
    let background = pixels[0];
    pixels.iter().filter(|p| **p != background).count() as f64 / pixels.len() as f64
}

fn plot(dir: &Path, folder: &str) -> String {
    let output = cli(dir, &["plot", folder, "--out", &format!("{folder}.svg")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read_to_string(dir.join(format!("{folder}.svg"))).unwrap()
}

#[test]
fn the_plots_of_a_run_and_of_a_sweep_render_to_pixels() {
    let dir = scratch("plots");
    let text = "seed = 1\nduration = \"30s\"\ntick = \"100ms\"\n[shells]\ninitial = 20\nsuspend = 0.5\nhangup = 0.9\n";
    std::fs::write(dir.join("s.toml"), text).unwrap();
    assert!(cli(&dir, &["run", "s.toml", "--out", "run"]).status.success());
    let args = ["sweep", "s.toml", "--seeds", "1..3", "--set", "shells.suspend=0.2", "--set", "shells.suspend=0.8"];
    assert!(cli(&dir, &[&args[..], &["--out", "sweep"]].concat()).status.success());
    let legends: [(&str, &[&str]); 2] =
        [("run", &["seed 1 (1 run)"]), ("sweep", &["shells.suspend=0.2 (3 runs)", "shells.suspend=0.8 (3 runs)"])];
    for (folder, legend) in legends {
        let svg = plot(&dir, folder);
        let share = drawn_share(&svg);
        assert!(share >= 0.01, "{folder}: {:.2}% of the pixels drawn", share * 100.0);
        assert!(svg.contains("orphaned groups signalled (total)"), "{folder}");
        assert!(legend.iter().all(|line| svg.contains(line)), "{folder}: a line per run or point, named");
    }
    let output = cli(&dir, &["plot", "."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds neither a run (run.csv) nor a sweep (sweep.csv)"));
}

#[test]
fn the_bench_chart_renders_to_pixels() {
    let svg = chart::svg(&[], &[], "no measurement").unwrap();
    let share = drawn_share(&svg);
    assert!(share >= 0.01, "{:.2}% of the pixels drawn", share * 100.0);
}
