//! The page's state in one place, provided as context: the active model and
//! the embedded default, the notice about models and storage, the timing of
//! the last prediction, the task on screen, and a sample link waiting to be
//! read. Components take it with [`AppState::get`] instead of props.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model::Model;

use crate::storage;
use crate::tasks;
use crate::verdict::Timing;

#[derive(Clone, Copy)]
pub struct AppState {
    /// The model every task uses.
    pub model: RwSignal<Arc<Model>>,
    /// The embedded default model ("Use the default model").
    pub default_model: StoredValue<Arc<Model>>,
    /// A message about the models kept in this browser (load, store, revert).
    pub notice: RwSignal<Option<String>>,
    /// Cost of the last prediction, for the footer.
    pub timing: RwSignal<Option<Timing>>,
    /// The task (or view) on screen: an id of [`tasks::TASKS`] or
    /// [`tasks::MODEL`], kept in the URL's fragment.
    pub view: RwSignal<&'static str>,
    /// A sample link (URL fragment) for the sample task to read, once.
    pub sample_link: RwSignal<Option<String>>,
}

impl AppState {
    /// The state for a page whose embedded model is `default`: the model
    /// kept in this browser when there is one and it reads.
    pub fn new(default: Arc<Model>) -> Self {
        let notice = RwSignal::new(None);
        let active = match storage::load() {
            storage::Stored::None => default.clone(),
            storage::Stored::Model(m) => Arc::new(*m),
            storage::Stored::Corrupt(why) => {
                notice.set(Some(format!(
                    "The model kept in this browser could not be read ({why}); using the embedded default model."
                )));
                default.clone()
            }
        };
        AppState {
            model: RwSignal::new(active),
            default_model: StoredValue::new(default),
            notice,
            timing: RwSignal::new(None),
            view: RwSignal::new(tasks::DEFAULT),
            sample_link: RwSignal::new(None),
        }
    }

    /// The state provided by [`crate::app::App`].
    pub fn get() -> Self {
        expect_context::<AppState>()
    }

    /// Make `m` the active model and keep it in the browser. A storage error
    /// is reported in the notice; the model is then active for this session.
    pub fn activate(&self, m: Arc<Model>, bytes: &[u8]) {
        match storage::save(bytes) {
            Ok(()) => self.notice.set(None),
            Err(e) => self.notice.set(Some(format!(
                "Could not keep the model in this browser: {e}."
            ))),
        }
        self.model.set(m);
    }

    /// Forget the stored model and use the embedded default again.
    pub fn revert(&self) {
        storage::clear();
        self.notice.set(None);
        self.model.set(self.default_model.get_value());
    }
}
