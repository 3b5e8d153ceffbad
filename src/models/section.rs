use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::sections;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sections)]
pub struct Section {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Every section, in editorial order.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Section>> {
    sections::table
        .order((sections::position.asc(), sections::name.asc()))
        .select(Section::as_select())
        .load(conn)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Section>> {
    if !crate::models::storable(slug) {
        return Ok(None);
    }
    sections::table
        .filter(sections::slug.eq(slug))
        .select(Section::as_select())
        .first(conn)
        .optional()
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

pub fn insert(conn: &mut DbConnection, section: &Section) -> QueryResult<()> {
    diesel::insert_into(sections::table)
        .values(section)
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sections)]
pub struct SectionChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &SectionChanges) -> QueryResult<usize> {
    diesel::update(sections::table.find(id))
        .set(changes)
        .execute(conn)
}

/// Deletes it; refused by the database (a conflict) while articles use it.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sections::table.find(id)).execute(conn)
}
