//! Writing articles, split along its seams:
//! - `input`: the write body and the newsroom's view of an article;
//! - `resolve`: what a body names (sections, authors, tags, other
//!   articles), looked up in one query per kind;
//! - `draft`: the article a write starts from and the one it leaves;
//! - `validate`: a pure function from (body, current state, names) to a
//!   `Draft` or every failing field;
//! - `policy`: which role may do what to whose story;
//! - `revision`: what each change records;
//! - `write`: create, update, upsert and delete. Everything expensive
//!   (lookups, validation, rendering the body) happens before the write
//!   transaction; the transaction only checks that nothing moved and stores.

mod draft;
#[cfg(test)]
mod fixtures;
mod input;
pub mod policy;
mod resolve;
mod revision;
pub mod validate;
pub mod write;

pub use draft::{Current, Draft, Names, TagChoice};
pub use input::{
    editorial_view, shown_status, status_of, ArticleInput, EditorialArticle, FormatInput,
    ImageInput, StatusInput, MAX_EXTERNAL_ID, MAX_TAGS,
};
pub use write::{Expect, Target, Written};
