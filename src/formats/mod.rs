//! The news formats byline serves beside its own JSON, each built from the
//! same public representations, so they show exactly what the API shows:
//! schema.org `NewsArticle` JSON-LD (`jsonld`); RSS, Atom and JSON Feed
//! (`feeds`); sitemaps with the Google News extension (`sitemaps`); and
//! IPTC ninjs 3.1, the agencies' wire format, both ways (`ninjs`).

pub mod feeds;
pub mod jsonld;
pub mod ninjs;
pub mod sitemaps;
