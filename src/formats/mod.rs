//! The news formats byline serves beside its own JSON, each built from the
//! same public representations, so they show exactly what the API shows:
//! schema.org `NewsArticle` JSON-LD (`jsonld`).

pub mod jsonld;
