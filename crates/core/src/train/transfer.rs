//! Cross-dataset evaluation: a forest trained on every row of one prepared
//! file and tested on every row of another (e.g. the public router file and
//! a traffic-lab capture). The test file's inputs are matched to the
//! training file's by name and go through the training file's feature
//! function; nothing else is shared, so this is the figure for "does a model
//! from one network work on another".

use super::options::TrainError;
use super::prepare::Prepared;
use crate::forest::{self, Control, ForestParams};
use crate::guard::Guard;
use crate::metrics::{self, Evaluation};

/// What a forest from one file does on another.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferReport {
    /// Against the test file's labels, in the training file's classes.
    pub evaluation: Evaluation,
    /// Share of the test rows outside the training file's ranges.
    pub guard_share: f64,
    pub train_rows: usize,
    pub n_features: usize,
}

/// Train on all of `train`, test on all of `test` (forests on `threads`
/// threads). A test class the training file lacks is refused, not hidden.
pub fn transfer(
    train: &Prepared,
    test: &Prepared,
    params: &ForestParams,
    threads: usize,
) -> Result<TransferReport, TrainError> {
    let f = train.n_features();
    let inputs = test.inputs_as(&train.table.columns).map_err(|c| {
        TrainError::Mismatch(format!("{}: no column \"{c}\"", test.table.file_name))
    })?;
    let x_test = train.plan.derive_all(&inputs);
    let truth: Vec<u32> = test
        .y
        .iter()
        .map(|&c| {
            let name = &test.classes[c as usize];
            train
                .classes
                .iter()
                .position(|k| k == name)
                .map(|i| i as u32)
                .ok_or_else(|| {
                    TrainError::Mismatch(format!(
                        "class \"{name}\" of {} is not in {}",
                        test.table.file_name, train.table.file_name
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    let forest = forest::train_threads(
        &train.x,
        f,
        &train.y,
        train.classes.len(),
        params,
        threads,
        &mut |_, _| Control::Continue,
    )
    .map_err(TrainError::Forest)?;
    let pred = super::evaluate::predict(&forest, &x_test);
    Ok(TransferReport {
        evaluation: metrics::evaluate(&truth, &pred, &train.classes),
        guard_share: Guard::fit(&train.x, f).unfamiliar_share(&x_test, f),
        train_rows: train.y.len(),
        n_features: f,
    })
}
