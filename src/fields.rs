//! The sample form's input fields. A value the page set (preset, link,
//! pasted row, slider) is kept exact for the model while its field shows it
//! to a few significant digits, as the core writes it; a value the user
//! typed is read from the field's text.

use leptos::prelude::*;
use mibwatch_core::display::{DIGITS, significant};
use mibwatch_core::sample::{self, SampleError};

/// One input: the text in the field, and the exact value behind it unless
/// the user typed the text.
#[derive(Clone, Copy)]
pub struct Field {
    pub text: RwSignal<String>,
    exact: RwSignal<Option<f64>>,
}

impl Field {
    fn new(v: f64) -> Self {
        Field {
            text: RwSignal::new(significant(v, DIGITS)),
            exact: RwSignal::new(Some(v)),
        }
    }

    /// The value the model reads (tracked).
    pub fn value(&self, name: &str) -> Result<f64, SampleError> {
        match self.exact.get() {
            Some(v) => Ok(v),
            None => sample::parse_value(name, &self.text.get()),
        }
    }

    /// A value set by the page. The same value again keeps its text (which
    /// the form may have given more digits; see [`Fields::show`]).
    pub fn set(&self, v: f64) {
        if self.exact.get_untracked() != Some(v) {
            self.exact.set(Some(v));
            self.text.set(significant(v, DIGITS));
        }
    }

    /// Text typed by the user.
    pub fn typed(&self, text: String) {
        self.exact.set(None);
        self.text.set(text);
    }
}

/// The input fields of the active model.
#[derive(Clone, Copy)]
pub struct Fields(StoredValue<Vec<Field>>);

impl Fields {
    pub fn new(values: &[f64]) -> Self {
        Fields(StoredValue::new(
            values.iter().map(|v| Field::new(*v)).collect(),
        ))
    }

    pub fn get(&self, i: usize) -> Field {
        self.0.with_value(|f| f[i])
    }

    /// Set the fields that have a value.
    pub fn fill(&self, values: &[Option<f64>]) {
        self.0.with_value(|f| {
            for (field, v) in f.iter().zip(values) {
                if let Some(v) = v {
                    field.set(*v);
                }
            }
        })
    }

    pub fn fill_all(&self, values: &[f64]) {
        let v: Vec<Option<f64>> = values.iter().copied().map(Some).collect();
        self.fill(&v);
    }

    /// Every field's value, tracked; `None` while any field is invalid.
    pub fn row(&self, names: &[String]) -> Option<Vec<f64>> {
        self.0.with_value(|f| {
            // A form built for another model (while it is being replaced).
            if f.len() != names.len() {
                return None;
            }
            f.iter()
                .zip(names)
                .map(|(field, name)| field.value(name).ok())
                .collect()
        })
    }

    /// Which fields hold text the user typed (untracked).
    pub fn typed_mask(&self) -> Vec<bool> {
        self.0.with_value(|f| {
            f.iter()
                .map(|x| x.exact.get_untracked().is_none())
                .collect()
        })
    }

    /// Show `texts` (the core's writing of the row) in the fields the page set.
    pub fn show(&self, texts: &[String]) {
        self.0.with_value(|f| {
            for (field, t) in f.iter().zip(texts) {
                if field.exact.get_untracked().is_some() && field.text.get_untracked() != *t {
                    field.text.set(t.clone());
                }
            }
        })
    }
}
