//! The news formats byline serves beside its own JSON, each built from the
//! same public representations, so they show exactly what the API shows:
//! schema.org `NewsArticle` JSON-LD (`jsonld`); RSS, Atom and JSON Feed
//! (`feeds`); sitemaps with the Google News extension (`sitemaps`).

pub mod feeds;
pub mod jsonld;
pub mod sitemaps;
