//! The mibwatch traffic lab's native parts (driven by `lab/lab.sh`; see the
//! "Traffic lab" section of the README):
//!
//! - [`mib`]: the 34 schema variables as SNMP OIDs on the victim's agent, in
//!   the column layout of `data/snmp-mib/all_data.csv`; parsing of net-snmp
//!   `snmpget` output; one CSV row of raw totals per poll.
//! - [`schedule`]: the seed-controlled, interleaved campaign schedule.
//! - [`check`]: what the smoke test asserts about a lab CSV.
//! - [`traffic`]: normal client traffic, the rate-bounded HTTP flood, and the
//!   victim's DNS-style UDP responder.

pub mod check;
pub mod mib;
pub mod rng;
pub mod schedule;
pub mod traffic;
