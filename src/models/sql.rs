//! Raw SQL with positional binds, rendered for the connection's backend
//! (`?` on SQLite, `$n` on PostgreSQL). diesel's DSL cannot express the
//! correlated EXISTS the combined list filters need, nor the full-text
//! operators each backend has, over a multi-backend connection; those few
//! queries are written out with this.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Double, Text, Timestamp};

use crate::db::{Backend, DbConnection};

/// A value bound to a placeholder.
pub enum Bind {
    Text(String),
    Time(NaiveDateTime),
    Int(i64),
    Float(f64),
}

type DbBackend = <DbConnection as diesel::Connection>::Backend;

pub struct Sql {
    backend: Backend,
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub fn new(backend: Backend, text: &str) -> Self {
        Sql {
            backend,
            text: text.to_string(),
            binds: Vec::new(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends `fragment`, replacing each `?` in it with the next bind.
    pub fn push(&mut self, fragment: &str, binds: impl IntoIterator<Item = Bind>) -> &mut Self {
        let mut binds = binds.into_iter();
        for ch in fragment.chars() {
            if ch == '?' {
                let bind = binds.next().expect("a bind for every placeholder");
                self.binds.push(bind);
                match self.backend {
                    Backend::Sqlite => self.text.push('?'),
                    Backend::Postgres => {
                        self.text.push('$');
                        self.text.push_str(&self.binds.len().to_string());
                    }
                }
            } else {
                self.text.push(ch);
            }
        }
        debug_assert!(binds.next().is_none(), "more binds than placeholders");
        self
    }

    /// Appends `?, ?, …`, one placeholder per value (an IN list).
    pub fn push_list(&mut self, values: &[String]) -> &mut Self {
        for (n, v) in values.iter().enumerate() {
            let sep = if n == 0 { "?" } else { ", ?" };
            self.push(sep, [Bind::Text(v.clone())]);
        }
        self
    }

    fn query(self) -> BoxedSqlQuery<'static, DbBackend, SqlQuery> {
        let mut query = diesel::sql_query(self.text).into_boxed();
        for bind in self.binds {
            query = match bind {
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Time(v) => query.bind::<Timestamp, _>(v),
                Bind::Int(v) => query.bind::<BigInt, _>(v),
                Bind::Float(v) => query.bind::<Double, _>(v),
            };
        }
        query
    }

    pub fn load<T>(self, conn: &mut DbConnection) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<DbBackend> + 'static,
    {
        self.query().load(conn)
    }

    pub fn execute(self, conn: &mut DbConnection) -> QueryResult<usize> {
        self.query().execute(conn)
    }
}
