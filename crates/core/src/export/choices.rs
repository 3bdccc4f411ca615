//! How a file is read and its rows captured, as the user chose: what the
//! reader finds, with the user's overrides on top. The CLI's options
//! (`--rates`, `--counters S`, `--interface`, `--time-column`…) and the
//! page's controls both become one [`FileChoices`], so that the two read the
//! same file into the same table and the same rates.

use serde::{Deserialize, Serialize};

use super::{Export, ExportError, Format, InterfaceChoice, ReadOptions, SeriesKind, read_export};
use crate::capture::{Capture, Values};
use crate::ingest::IngestOptions;

/// The user's choices for reading a file; `None` / empty: what the reader finds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileChoices {
    /// The label column of a plain CSV file.
    pub label_column: String,
    /// Read as this format instead of detecting it.
    pub format: Option<Format>,
    /// Counters or rates for every input that is not a gauge (the reader's kinds).
    pub kind: Option<SeriesKind>,
    /// Seconds between polls: the reader's poll interval and, unless the
    /// rows are rates, the interval counters become rates over.
    pub interval: Option<f64>,
    pub interface: InterfaceChoice,
    /// Counters or rates for the capture (what becomes per-second rates).
    pub values: Option<Values>,
    pub time_column: Option<String>,
    pub session_column: Option<String>,
    pub session_gap_secs: Option<f64>,
    /// Entity columns rates are computed within (else host and interface).
    pub entity_columns: Vec<String>,
}

impl Default for FileChoices {
    fn default() -> Self {
        FileChoices {
            label_column: crate::schema::LABEL_COLUMN.to_string(),
            format: None,
            kind: None,
            interval: None,
            interface: InterfaceChoice::Busiest,
            values: None,
            time_column: None,
            session_column: None,
            session_gap_secs: None,
            entity_columns: Vec::new(),
        }
    }
}

impl FileChoices {
    /// The reader's options for `file_name`.
    pub fn read_options(&self, file_name: &str, require_label: bool) -> ReadOptions {
        ReadOptions {
            format: self.format,
            kind: self.kind,
            interval: self.interval,
            interface: self.interface.clone(),
            variable: None,
            csv: IngestOptions {
                label_column: self.label_column.clone(),
                require_label,
                keep_text: true,
                ..IngestOptions::labelled(file_name)
            },
        }
    }

    /// Read a file with the core's one reader, as chosen.
    pub fn read(
        &self,
        bytes: &[u8],
        file_name: &str,
        require_label: bool,
    ) -> Result<Export, ExportError> {
        read_export(
            bytes,
            file_name,
            &self.read_options(file_name, require_label),
        )
    }

    /// How `e`'s rows were captured: what the reader found, with these
    /// choices on top; counters with no clock take `default_interval` when
    /// there is one.
    pub fn capture(&self, e: &Export, default_interval: Option<f64>) -> Capture {
        let mut c = e.capture();
        if let Some(v) = self.values {
            c.values = v;
        }
        if self.values != Some(Values::Rates) {
            c.interval = self.interval.or(c.interval);
        }
        if self.time_column.is_some() {
            c.time_column = self.time_column.clone();
        }
        if self.session_column.is_some() {
            c.session_column = self.session_column.clone();
        }
        if self.session_gap_secs.is_some() {
            c.session_gap_secs = self.session_gap_secs;
        }
        if !self.entity_columns.is_empty() {
            c.entity_columns = self.entity_columns.clone();
        }
        if c.values == Values::Counters && c.time_column.is_none() && c.uptime_column.is_none() {
            c.interval = c.interval.or(default_interval);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALK: &[u8] = include_bytes!("../../../../tests/fixtures/exports/snmpwalk-names.txt");

    #[test]
    fn defaults_are_what_the_reader_finds() {
        let ch = FileChoices::default();
        let e = ch.read(WALK, "walk.txt", false).unwrap();
        assert_eq!(e.format, Format::SnmpWalk);
        assert_eq!(ch.capture(&e, None), e.capture());
    }

    #[test]
    fn overrides_go_on_top() {
        let csv = b"ifInOctets11,ifOutOctets11,t\n100,200,0\n400,500,15\n";
        let ch = FileChoices::default();
        let e = ch.read(csv, "c.csv", false).unwrap();
        let c = ch.capture(&e, Some(15.0));
        assert_eq!(c.values, Values::Counters);
        assert_eq!(
            c.interval,
            Some(15.0),
            "counters with no clock take the default"
        );
        let rates = FileChoices {
            kind: Some(SeriesKind::Rate),
            values: Some(Values::Rates),
            interval: Some(30.0),
            ..FileChoices::default()
        };
        let e = rates.read(csv, "c.csv", false).unwrap();
        let c = rates.capture(&e, Some(15.0));
        assert_eq!(c.values, Values::Rates);
        // The given interval names the polls; rates are not made from it.
        assert_eq!(c.interval, Some(30.0));
        assert_eq!(e.understanding.poll_seconds, Some(30.0));
        let timed = FileChoices {
            values: Some(Values::Counters),
            time_column: Some("t".into()),
            session_gap_secs: Some(60.0),
            entity_columns: vec!["host".into()],
            ..FileChoices::default()
        };
        let e = timed.read(csv, "c.csv", false).unwrap();
        let c = timed.capture(&e, Some(15.0));
        assert_eq!(c.values, Values::Counters);
        assert_eq!(c.time_column.as_deref(), Some("t"));
        assert_eq!(c.interval, None, "a clock needs no interval");
        assert_eq!(c.session_gap_secs, Some(60.0));
        assert_eq!(c.entity_columns, vec!["host".to_string()]);
        let json = serde_json::to_string(&timed).unwrap();
        assert_eq!(serde_json::from_str::<FileChoices>(&json).unwrap(), timed);
    }
}
