//! byline's API, tested through HTTP. One binary; one file per resource.
//! Every test in a `backend_tests!` list runs on SQLite and on PostgreSQL,
//! each time against a fresh database and its own server.

mod helpers;

mod articles;
mod auth;
mod bench_seed;
mod cli;
mod errors;
mod health;
mod latest;
mod openapi;
mod page;
mod schema;
mod sections;
mod tags_and_authors;
mod visibility;
mod writes;
