//! The normal bands of a baseline of normal traffic, one row per input: an
//! SVG chart on a log axis (each band from its low to its high edge, its
//! centre marked) and the same bands as a table for screen readers and
//! copying. Every number comes from the core's [`Baseline`].

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::baseline::Baseline;
use mibwatch_core::baseline::ranges::unslog;
use mibwatch_core::baseline::reasons::human;

/// Width of the chart, its name column and one row, in SVG units.
const WIDTH: f64 = 800.0;
const NAMES: f64 = 170.0;
const ROW: f64 = 15.0;
const AXIS: f64 = 22.0;

/// Position of a value on the log axis: decades of `1 + value`.
fn decades(v: f64) -> f64 {
    (1.0 + v.max(0.0)).log10()
}

/// A tick's label: 0, then 10^k for k ≥ 1 (10, 100, 1k, …).
fn tick_label(k: u32) -> String {
    match k {
        0 => "0".into(),
        1..=2 => 10u64.pow(k).to_string(),
        3..=5 => format!("{}k", 10u64.pow(k - 3)),
        6..=8 => format!("{}M", 10u64.pow(k - 6)),
        _ => format!("1e{k}"),
    }
}

/// One input's band and centre, in the input's units.
struct Row {
    name: String,
    lo: f64,
    hi: f64,
    centre: f64,
    words: String,
    unit: &'static str,
}

fn rows(b: &Baseline) -> Vec<Row> {
    b.features
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let (lo, hi) = b.band(j);
            Row {
                name: f.name.clone(),
                lo: lo.max(0.0),
                hi: hi.max(0.0),
                centre: unslog(f.median).max(0.0),
                words: b.band_words(j),
                unit: f.unit.suffix(),
            }
        })
        .collect()
}

/// The bands as a chart with a table beside it (folded).
#[component]
pub fn BandChart(baseline: Arc<Baseline>) -> impl IntoView {
    let rows = rows(&baseline);
    // Whole decades of value: ticks at 0, 10, 100, … up to the widest band.
    let decades_up = rows
        .iter()
        .map(|r| decades(r.hi))
        .fold(1.0f64, f64::max)
        .ceil() as u32;
    let top = decades(10f64.powi(decades_up as i32));
    let span = WIDTH - NAMES - 24.0;
    let x = move |v: f64| NAMES + decades(v) / top * span;
    let height = rows.len() as f64 * ROW + AXIS;
    // The axis on top, so that the scale is read before the bands.
    let grid = (0..=decades_up)
        .map(|k| {
            let gx = if k == 0 { x(0.0) } else { x(10f64.powi(k as i32)) };
            view! {
                <line x1=gx x2=gx y1=AXIS - 4.0 y2=height class="band-grid"></line>
                <text x=gx y=AXIS - 8.0 class="band-tick" text-anchor="middle">{tick_label(k)}</text>
            }
        })
        .collect_view();
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = AXIS + i as f64 * ROW;
            let (x0, x1) = (x(r.lo), x(r.hi));
            view! {
                <g class="band-row">
                    <title>{format!("{}: normal {}, centre {}{}", r.name, r.words, human(r.centre), r.unit)}</title>
                    <text x=NAMES - 6.0 y=y + ROW * 0.75 class="band-name" text-anchor="end">{r.name.clone()}</text>
                    <rect x=x0 y=y + 3.0 width=(x1 - x0).max(2.0) height=ROW - 6.0 class="band-range"></rect>
                    <line x1=x(r.centre) x2=x(r.centre) y1=y + 2.0 y2=y + ROW - 2.0 class="band-centre"></line>
                </g>
            }
        })
        .collect_view();
    let table = rows
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row">{r.name.clone()}</th>
                    <td>{r.words.clone()}</td>
                    <td>{format!("{}{}", human(r.centre), r.unit)}</td>
                </tr>
            }
        })
        .collect_view();
    let label = format!(
        "Normal band of each of {} inputs on a log axis (decades of 1 + value); the bar is the band, the line its centre. The table below lists the same bands.",
        rows.len()
    );
    let title = label.clone();
    view! {
        <figure class="bands" data-testid="learn-bands">
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=label
                data-testid="learn-band-chart">
                <title>{title}</title>
                {grid}
                {bars}
            </svg>
            <figcaption>
                "Normal band of each input in its unit (bar) and its centre (line), on a log axis. "
                "A poll is an alarm when an input falls outside its band."
            </figcaption>
            <details>
                <summary>"The bands as a table"</summary>
                <div class="head-scroll" role="region" aria-label="Normal bands" tabindex="0">
                    <table class="metrics" data-testid="learn-band-table">
                        <thead><tr>
                            <th scope="col">"Input"</th>
                            <th scope="col">"Normal band"</th>
                            <th scope="col">"Centre"</th>
                        </tr></thead>
                        <tbody>{table}</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}
