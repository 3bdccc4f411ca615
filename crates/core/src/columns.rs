//! What a file's columns mean, decided once for the page and the CLI: which
//! column is the label, which label means normal traffic, which columns are
//! numbers to read, and which name a timestamp, a capture session or an
//! entity (host, interface). Guesses from a [`Preview`]; the user can
//! override each.

use crate::ingest::{ColumnInfo, Preview};
use crate::schema;

/// A file's columns as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Understood {
    /// The label column, when the file has one.
    pub label: Option<String>,
    /// The label that means normal traffic, when there is one.
    pub normal_label: Option<String>,
    /// Numeric columns that are not the label, the time or the session.
    pub numeric: Vec<String>,
    pub time: Option<String>,
    pub session: Option<String>,
    /// Text columns naming hosts or interfaces.
    pub entity: Vec<String>,
}

fn is(c: &ColumnInfo, names: &[&str]) -> bool {
    names.iter().any(|n| c.name.eq_ignore_ascii_case(n))
}

const TIME_NAMES: [&str; 6] = ["timestamp", "time", "ts", "date", "datetime", "_time"];
const SESSION_NAMES: [&str; 3] = ["session", "session_id", "capture"];
const ENTITY_NAMES: [&str; 8] = [
    "host",
    "hostname",
    "agent_host",
    "instance",
    "device",
    "interface",
    "ifname",
    "ifdescr",
];

/// The label column: `label` when named (any case), else a column `class`,
/// else the last text column that is not a host or interface name.
pub fn label_column(p: &Preview, label: Option<&str>) -> Option<String> {
    if let Some(l) = label {
        return p
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(l))
            .map(|c| c.name.clone());
    }
    p.columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(schema::LABEL_COLUMN))
        .or_else(|| {
            p.columns
                .iter()
                .rev()
                .find(|c| !c.numeric && !is(c, &ENTITY_NAMES) && !is(c, &TIME_NAMES))
        })
        .map(|c| c.name.clone())
}

/// The label of normal traffic among `label`'s values: `normal` in any case.
pub fn normal_label(p: &Preview, label: &str) -> Option<String> {
    p.columns.iter().find(|c| c.name == label).and_then(|c| {
        c.distinct
            .iter()
            .find(|d| d.eq_ignore_ascii_case(schema::NORMAL_CLASS))
            .cloned()
    })
}

/// The columns to read as numbers: every numeric column but the label
/// (time and session columns included: the capture step takes them out),
/// and every column named like a model input even where a cell is not a
/// number (reading it then names that cell); other text columns pass
/// through.
pub fn numeric_columns(p: &Preview, label: &str) -> Vec<String> {
    p.columns
        .iter()
        .filter(|c| {
            (c.numeric || schema::lookup(&c.name).is_some()) && !c.name.eq_ignore_ascii_case(label)
        })
        .map(|c| c.name.clone())
        .collect()
}

/// The first `rows` data rows of a CSV file (and its header): enough to
/// tell column types apart in a file too large to preview whole.
pub fn head(bytes: &[u8], rows: usize) -> &[u8] {
    let end = bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .nth(rows)
        .map_or(bytes.len(), |(i, _)| i + 1);
    &bytes[..end]
}

/// Understand a previewed file; `label` names the label column when the
/// user chose it (else it is guessed).
pub fn understand(p: &Preview, label: Option<&str>) -> Understood {
    let label = label_column(p, label);
    let numeric_named = |names: &[&str]| {
        p.columns
            .iter()
            .find(|c| c.numeric && is(c, names))
            .map(|c| c.name.clone())
    };
    let time = numeric_named(&TIME_NAMES);
    let session = numeric_named(&SESSION_NAMES);
    let numeric = p
        .columns
        .iter()
        .filter(|c| {
            c.numeric
                && Some(&c.name) != label.as_ref()
                && Some(&c.name) != time.as_ref()
                && Some(&c.name) != session.as_ref()
        })
        .map(|c| c.name.clone())
        .collect();
    let entity = p
        .columns
        .iter()
        .filter(|c| !c.numeric && is(c, &ENTITY_NAMES))
        .map(|c| c.name.clone())
        .collect();
    Understood {
        normal_label: label.as_deref().and_then(|l| normal_label(p, l)),
        label,
        numeric,
        time,
        session,
        entity,
    }
}

impl Understood {
    /// Every column to read as a number: the inputs, then time and session.
    pub fn numeric_with_time_and_session(&self) -> Vec<String> {
        self.numeric
            .iter()
            .chain(&self.time)
            .chain(&self.session)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::preview;

    #[test]
    fn guesses_label_normal_time_session_and_entities() {
        let p = preview(
            b"host,timestamp,session,tcpInSegs,udpInDatagrams,Class\n\
              r1,1,1,5,6,Normal\nr1,2,1,7,8,syn\n",
            "f.csv",
            0,
        )
        .unwrap();
        let u = understand(&p, None);
        assert_eq!(u.label.as_deref(), Some("Class"));
        assert_eq!(u.normal_label.as_deref(), Some("Normal"));
        assert_eq!(u.time.as_deref(), Some("timestamp"));
        assert_eq!(u.session.as_deref(), Some("session"));
        assert_eq!(u.numeric, vec!["tcpInSegs", "udpInDatagrams"]);
        assert_eq!(u.entity, vec!["host"]);
        assert_eq!(
            u.numeric_with_time_and_session(),
            vec!["tcpInSegs", "udpInDatagrams", "timestamp", "session"]
        );
        // A chosen label column wins; a file without one has no label.
        let u = understand(&p, Some("host"));
        assert_eq!(u.label.as_deref(), Some("host"));
        let p = preview(b"host,tcpInSegs\nr1,5\n", "g.csv", 0).unwrap();
        let u = understand(&p, None);
        assert_eq!(u.label, None);
        assert_eq!(u.numeric, vec!["tcpInSegs"]);
        assert_eq!(numeric_columns(&p, "class"), vec!["tcpInSegs"]);
        assert_eq!(head(b"a\n1\n2\n3\n", 2), b"a\n1\n2\n");
        assert_eq!(head(b"a\n1", 5), b"a\n1");
        // No column named class: the last text column is the label.
        let p = preview(b"a,kind\n1,x\n2,y\n", "h.csv", 0).unwrap();
        assert_eq!(label_column(&p, None).as_deref(), Some("kind"));
    }
}
