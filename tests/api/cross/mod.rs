//! What no one resource owns: the rules every answer shares, the server
//! under attack, load and failure, and the tools and data around it.

/// byline in a child process, as operators run it (no tests of its own).
pub mod process;

// Every answer.
mod addresses;
mod cache;
mod errors;
mod freshness;
mod taxonomy_visibility;
mod visibility;

// Under attack and under load.
mod heavy_inputs;
mod hostile;
mod injection;
mod limits;

// Failures.
mod contention;
mod outage;
mod resilience;

// Around the server: its command line, its data and its schema.
mod bench_seed;
mod cli;
mod growth;
mod schema;
