//! Every fixture in tests/fixtures/exports read to its expected table.
