//! The database URL: which backend, which file, and how to print it
//! without its password.

use std::fmt;
use std::path::PathBuf;

/// A database URL. It may carry a password, so it never prints in full.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The SQLite file this URL names: `sqlite://path`, `sqlite:path`,
    /// `file:path` or a plain path.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.is_postgres() {
            return None;
        }
        let raw = self.0.as_str();
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .or_else(|| raw.strip_prefix("file:"))
            .unwrap_or(raw);
        Some(PathBuf::from(path))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if self.is_postgres() => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("********"));
                }
                // Connection options (a password among them) may ride in the
                // query string; none of it is needed to say which database.
                url.set_query(None);
                write!(f, "{url}")
            }
            _ => match self.sqlite_path() {
                Some(path) => write!(f, "sqlite:{}", path.display()),
                None => f.write_str("(unparseable database URL)"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}
