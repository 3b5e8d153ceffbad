//! /v1/articles: the public reads (lists, one story, the full page), the
//! newsroom's previews, and every way a story is written.

mod bodies;
mod bylines;
mod conditional;
mod corrections;
mod create;
mod embargoes;
mod external_ids;
mod idempotency;
pub mod jsonld;
mod languages;
mod lists;
mod ninjs;
mod page;
mod previews;
mod read;
mod revisions;
mod roles;
mod scheduling;
mod upsert;
mod withdrawals;
