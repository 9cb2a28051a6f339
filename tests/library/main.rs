//! The library without Discord: the store, the timeline worker and
//! progression against the real PostgreSQL (each test on its own database),
//! the content files and the progress picture; a database outage on a
//! private PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod chart;
mod content;
mod next_reminder;
mod pg_outage;
mod pictures;
mod progression;
mod service;
mod store;
mod timeline;
mod weekly;
