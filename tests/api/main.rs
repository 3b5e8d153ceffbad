//! byline's API, tested through HTTP. One binary, laid out like the routes
//! in src/routes/:
//!
//! - `articles/`: /v1/articles, one file per concern: `lists`, `read` (one
//!   story), `page` (the full story page), `previews`, `create`,
//!   `scheduling`, `upsert` and `external_ids` (newsroom tools),
//!   `conditional` (If-Match and concurrent writes), `idempotency`,
//!   `revisions`, `roles` and `bylines` (who may write what), `bodies`
//!   (sanitizing and derived fields).
//! - `sections`, `tags`, `authors`, `latest`, `users`, `integrations`,
//!   `events`, `health`, `openapi`: one file per resource (`events` also
//!   covers the surrogate keys and the per-key cache the log drives).
//! - `auth/`: /v1/auth: `token`, `revoke`, `bearer` (which tokens writes
//!   refuse) and `limits` (sign-in rate limits and bounds).
//! - `cross/`: what no one resource owns: caching and freshness,
//!   visibility, errors, hostile input, limits, heavy bodies, contention,
//!   outages and crashes, the CLI, the benchmark data and the schema.
//!
//! Each file lists its tests in one `backend_tests!` at its end: every test
//! there runs on SQLite and on PostgreSQL, each time against a fresh
//! database and its own server. A test checks one rule, and its name says
//! which. Shared fixtures and clients are in `helpers.rs`.

mod helpers;

mod articles;
mod auth;
mod authors;
mod cross;
mod events;
mod feeds;
mod health;
mod integrations;
mod latest;
mod openapi;
mod search;
mod sections;
mod sitemaps;
mod tags;
mod users;
mod webhooks;
