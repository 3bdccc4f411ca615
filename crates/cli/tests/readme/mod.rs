//! The README's generated blocks: the text between `<!-- figures: NAME -->`
//! and `<!-- /figures -->` is exactly what a command printed. A test compares
//! each block with what its command prints now; with `UPDATE_FIGURES=1` it
//! writes the new text into the README instead.

use std::path::{Path, PathBuf};

pub fn readme() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")
}

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- figures: {name} -->\n"),
        "<!-- /figures -->".to_string(),
    )
}

/// The block `name` of the README, or why there is none.
pub fn block(name: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(readme()).map_err(|e| e.to_string())?;
    let (start, end) = markers(name);
    let a = text
        .find(&start)
        .ok_or_else(|| format!("README.md has no block \"{start}\""))?
        + start.len();
    let b = text[a..]
        .find(&end)
        .ok_or_else(|| format!("README.md's block {name} is not closed"))?;
    Ok(text[a..a + b].to_string())
}

/// Check block `name` against `fresh` (what its command prints now), or
/// write `fresh` into the README when `UPDATE_FIGURES` is set.
pub fn check(name: &str, command: &str, fresh: &str) {
    let fresh = fresh.trim_end().to_string() + "\n";
    if std::env::var_os("UPDATE_FIGURES").is_some() {
        // Tests run on several threads: one rewrite at a time.
        static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = WRITING.lock().unwrap_or_else(|e| e.into_inner());
        let text = std::fs::read_to_string(readme()).unwrap();
        let old = block(name).unwrap();
        let (start, _) = markers(name);
        let at = text.find(&start).unwrap() + start.len();
        let new = format!("{}{}{}", &text[..at], fresh, &text[at + old.len()..]);
        std::fs::write(readme(), new).unwrap();
        return;
    }
    let old = block(name).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        old == fresh,
        "README.md's figures \"{name}\" differ from what `{command}` prints now.\n\
         --- README\n{old}--- now\n{fresh}\
         Rerun with UPDATE_FIGURES=1 to take the new figures, and say why they changed."
    );
}
