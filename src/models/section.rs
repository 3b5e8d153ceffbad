use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::models::public_at;
use crate::schema::sections;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sections)]
pub struct Section {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    /// Public on purpose, whether or not a public story names it yet.
    pub listed: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Every public section, in editorial order.
pub fn list_public(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<Section>> {
    sections::table
        .filter(public_at!(sections, "s:", now))
        .order((sections::position.asc(), sections::name.asc()))
        .select(Section::as_select())
        .load(conn)
}

pub fn find_by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Section>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sections::table
        .filter(sections::id.eq_any(ids))
        .select(Section::as_select())
        .load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sections)]
pub struct SectionChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i32>,
    pub listed: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

crate::models::slug_named!(Section, SectionChanges, sections, "s:");
