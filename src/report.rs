//! Views of a model's held-out evaluation: per-class table, confusion-matrix
//! heatmap (SVG, with counts) and permutation-importance bars.

use leptos::prelude::*;
use mibwatch_core::metrics::Evaluation;

/// A share as a percentage with one decimal.
pub fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// `part` of `whole` as a percentage with one decimal, but never "0.0%" for
/// a part that is not empty nor "100.0%" for one that is not all.
pub fn share(part: usize, whole: usize) -> String {
    if part > 0 && part * 1000 < whole {
        "< 0.1%".into()
    } else if part < whole && (whole - part) * 1000 < whole {
        "> 99.9%".into()
    } else {
        pct(part as f64 / whole.max(1) as f64)
    }
}

/// Precision, recall, F1 and support per class.
#[component]
pub fn ClassTable(eval: Evaluation) -> impl IntoView {
    let rows = eval
        .per_class
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.class.clone()}</th>
                    <td>{pct(c.precision)}</td>
                    <td>{pct(c.recall)}</td>
                    <td>{format!("{:.2}", c.f1)}</td>
                    <td>{c.support}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="metrics per-class" data-testid="per-class" tabindex="0">
            <thead>
                <tr>
                    <th scope="col">"Class"</th>
                    <th scope="col">"Precision"</th>
                    <th scope="col">"Recall"</th>
                    <th scope="col">"F1"</th>
                    <th scope="col">"Support"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Confusion matrix as an SVG heatmap: rows are true classes, columns
/// predicted; each cell shows its count, shaded by its share of the row.
#[component]
pub fn ConfusionHeatmap(eval: Evaluation, title: String) -> impl IntoView {
    let classes: Vec<String> = eval.per_class.iter().map(|c| c.class.clone()).collect();
    let k = classes.len();
    let (cell, left, top) = (44.0, 96.0, 96.0);
    let size = (left + cell * k as f64 + 40.0, top + cell * k as f64 + 8.0);
    let mut cells = Vec::new();
    for (i, row) in eval.confusion.iter().enumerate() {
        let total: u32 = row.iter().sum();
        for (j, &v) in row.iter().enumerate() {
            let share = if total > 0 {
                v as f64 / total as f64
            } else {
                0.0
            };
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            // At most ~2/3 opaque, so that the count reads on every cell (4.5:1).
            let fill = if i == j {
                format!("rgba(26,127,55,{:.3})", 0.08 + 0.6 * share)
            } else {
                format!("rgba(207,34,46,{:.3})", 0.04 + 0.6 * share)
            };
            let text_class = if share > 0.55 {
                "cm-count strong"
            } else {
                "cm-count"
            };
            cells.push(view! {
                <g>
                    <title>{format!("true {} → predicted {}: {v} ({})", classes[i], classes[j], pct(share))}</title>
                    <rect x=x y=y width=cell height=cell fill=fill class="cm-cell"></rect>
                    <text x=x + cell / 2.0 y=y + cell / 2.0 + 4.0 text-anchor="middle" class=text_class>{v}</text>
                </g>
            });
        }
    }
    let row_labels = classes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            view! {
                <text x=left - 6.0 y=top + cell * i as f64 + cell / 2.0 + 4.0 text-anchor="end" class="cm-label">{c.clone()}</text>
            }
        })
        .collect_view();
    let col_labels = classes
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let (x, y) = (left + cell * j as f64 + cell / 2.0 + 4.0, top - 6.0);
            view! {
                <text x=x y=y transform=format!("rotate(-50 {x} {y})") class="cm-label">{c.clone()}</text>
            }
        })
        .collect_view();
    view! {
        <figure class="confusion" data-testid="confusion">
            <svg
                viewBox=format!("0 0 {} {}", size.0, size.1)
                width=size.0
                role="img"
                aria-label=format!("{title}: rows are the true class, columns the predicted class")
            >
                {row_labels}
                {col_labels}
                {cells}
            </svg>
            <figcaption>{title}" (rows: true class, columns: predicted)"</figcaption>
        </figure>
    }
}

/// Permutation importance: held-out accuracy lost when a feature is shuffled.
#[component]
pub fn ImportanceBars(features: Vec<String>, importance: Vec<f64>) -> impl IntoView {
    let mut order: Vec<usize> = (0..importance.len()).collect();
    order.sort_by(|&a, &b| importance[b].total_cmp(&importance[a]));
    let top: Vec<usize> = order.into_iter().take(12).collect();
    let scale = top
        .iter()
        .map(|&j| importance[j].abs())
        .fold(0.0, f64::max)
        .max(1e-9);
    let rows = top
        .into_iter()
        .map(|j| {
            let v = importance[j];
            view! {
                <li class="bar">
                    <span class="bar-label imp-label">{features[j].clone()}</span>
                    <span class="bar-track" aria-hidden="true">
                        <span class="bar-fill" style:width=format!("{:.1}%", (v.max(0.0) / scale) * 100.0)></span>
                    </span>
                    <span class="bar-value">{format!("{:+.1}", v * 100.0)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="importance" data-testid="importance">
            <h3>"Permutation importance"</h3>
            <p class="hint">"Points of time-ordered held-out accuracy lost when the feature is shuffled."</p>
            <ul class="bars">{rows}</ul>
        </div>
    }
}
