// Shared by the export fuzz targets: whatever a reader returns must be a
// well-formed table, and capturing it (sessions, rates) must not panic.
use mibwatch_core::capture::capture;
use mibwatch_core::export::{Export, ExportError};

pub fn check(result: Result<Export, ExportError>) {
    match result {
        Ok(e) => {
            let t = &e.table;
            assert_eq!(t.values.len(), t.n_rows() * t.n_cols());
            assert_eq!(e.kinds.len(), t.n_cols());
            assert!(t.values.iter().all(|v| v.is_finite()));
            for c in &t.text {
                assert_eq!(c.values.len(), t.n_rows());
            }
            if let Ok(c) = capture(t, &e.capture()) {
                for r in &c.sessions {
                    assert!(r.start < r.end && r.end <= c.table.n_rows());
                }
                assert!(c.table.values.iter().all(|v| v.is_finite()));
            }
            let _ = e.understanding.to_string();
        }
        Err(err) => {
            // Every error has a sentence.
            assert!(!err.to_string().is_empty());
        }
    }
}
