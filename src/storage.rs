//! The active model kept in the browser (localStorage), updated crash-proof:
//! the new model is written to the spare slot first, then the pointer to the
//! active slot is switched. Reading checks the bytes with the core decoder.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mibwatch_core::model::{self, Model};

const ACTIVE: &str = "mibwatch.active-slot";
const SLOTS: [&str; 2] = ["mibwatch.model.a", "mibwatch.model.b"];

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// What was found at start-up.
pub enum Stored {
    None,
    Model(Box<Model>),
    /// Stored data that could not be read, with the reason.
    Corrupt(String),
}

pub fn load() -> Stored {
    let Some(s) = storage() else {
        return Stored::None;
    };
    let Some(slot) = s.get_item(ACTIVE).ok().flatten() else {
        return Stored::None;
    };
    let Some(key) = SLOTS.iter().find(|k| **k == slot) else {
        return Stored::Corrupt(format!("unknown storage slot \"{slot}\""));
    };
    let Some(text) = s.get_item(key).ok().flatten() else {
        return Stored::Corrupt("the stored model is missing".into());
    };
    match STANDARD.decode(text.as_bytes()) {
        Err(_) => Stored::Corrupt("the stored model is not valid base64".into()),
        Ok(bytes) => match model::decode(&bytes) {
            Ok(m) => Stored::Model(Box::new(m)),
            Err(e) => Stored::Corrupt(e.to_string()),
        },
    }
}

/// Store `bytes` as the active model. On error (e.g. the storage quota) the
/// previously stored model stays active.
pub fn save(bytes: &[u8]) -> Result<(), String> {
    let s = storage().ok_or("this browser offers no local storage")?;
    let active = s.get_item(ACTIVE).ok().flatten();
    let spare = if active.as_deref() == Some(SLOTS[0]) {
        SLOTS[1]
    } else {
        SLOTS[0]
    };
    s.set_item(spare, &STANDARD.encode(bytes)).map_err(|_| {
        "the browser's storage is full (quota exceeded); the model is active for this session only".to_string()
    })?;
    s.set_item(ACTIVE, spare)
        .map_err(|_| "the browser refused to switch the stored model".to_string())?;
    Ok(())
}

/// Forget the stored model: the embedded default is used from now on.
pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(ACTIVE);
        for k in SLOTS {
            let _ = s.remove_item(k);
        }
    }
}
