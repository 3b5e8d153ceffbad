//! byline's API, tested through HTTP. One binary; one file per resource.
//! Every test in a `backend_tests!` list runs on SQLite and on PostgreSQL,
//! each time against a fresh database and its own server.

mod helpers;

mod articles;
mod auth;
mod bench_seed;
mod cache;
mod cli;
mod errors;
mod hardening;
mod health;
mod hostile;
mod latest;
mod openapi;
mod outage;
mod page;
mod process;
mod resilience;
mod schema;
mod sections;
mod tags_and_authors;
mod visibility;
mod writes;
