// Shared by the export fuzz targets: whatever a reader returns must be a
// well-formed table, and sessions and rates over it must not panic.
use mibwatch_core::export::{DEFAULT_GAP_FACTOR, Export, ExportError};

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
            let s = e.sessions(DEFAULT_GAP_FACTOR);
            for r in &s.ranges {
                assert!(r.start < r.end && r.end <= t.n_rows());
            }
            let _ = e.to_rates(DEFAULT_GAP_FACTOR);
            let _ = e.understanding.to_string();
        }
        Err(err) => {
            // Every error has a sentence.
            assert!(!err.to_string().is_empty());
        }
    }
}
