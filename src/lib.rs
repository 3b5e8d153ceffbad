//! byline: a headless news content API.
//!
//! `main.rs` only parses the command line; everything it runs lives here so
//! that the tests drive exactly what production serves.

pub mod accounts;
pub mod auth;
pub mod background;
pub mod cli;
pub mod config;
pub mod content;
pub mod cursor;
pub mod db;
pub mod editorial;
pub mod error;
pub mod events;
pub mod formats;
pub mod freshness;
pub mod middleware;
pub mod models;
pub mod openapi;
pub mod ratelimit;
pub mod response_cache;
pub mod routes;
pub mod schema;
pub mod search;
pub mod seed;
pub mod startup;
pub mod state;
pub mod taxonomy;
pub mod telemetry;
pub mod validation;
pub mod views;
pub mod webhooks;

pub use startup::Application;
