//! src/schema.rs is written by hand: every column it names must exist, with
//! a compatible type, in what each backend's migrations build; and an old
//! SQLite database keeps every row through the migrations that rebuild
//! tables.

use byline::models::article::Article;
use byline::models::author::Author;
use byline::models::idempotency::StoredResponse;
use byline::models::integration::Integration;
use byline::models::refresh_token::RefreshToken;
use byline::models::revision::Revision;
use byline::models::section::Section;
use byline::models::tag::Tag;
use byline::models::user::User;
use byline::schema::{
    article_authors, article_feeds, article_related, article_tags, content_state, events,
    idempotency_keys, integrations, maintenance_jobs, refresh_tokens, revisions, users,
};
use diesel::prelude::*;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{small_draft, TestApp};

/// Every column of the event log, in order.
type EventRow = (
    i64,
    String,
    Option<String>,
    chrono::NaiveDateTime,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
    bool,
);

/// A row in every table, with the nullable columns filled where a row can
/// fill them: the demo fills the content tables; a person linked to a
/// profile signs in and refreshes (a used refresh token), a tool is added
/// and removed (a revoked integration), and a story is written under an
/// Idempotency-Key (a stored answer with its location and ETag, and a
/// revision).
async fn every_table_filled(app: &TestApp) {
    app.load_demo();
    let (email, password) = app.person("author", Some("news-desk"));
    let signed_in = app.sign_in(&email, &password).await.json();
    let refreshed = app
        .form(
            "/v1/auth/token",
            format!(
                "grant_type=refresh_token&refresh_token={}",
                signed_in["refresh_token"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    let admin = app.token("admin").await;
    let tool = app
        .json(
            "POST",
            "/v1/integrations",
            Some(&admin),
            &json!({"name": "Wire", "role": "author", "author": "news-desk"}),
        )
        .await;
    assert_eq!(tool.status, 201, "{}", tool.text());
    let removed = app
        .authed(
            "DELETE",
            &format!("/v1/integrations/{}", tool.json()["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(removed.status, 204);
    let written = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&admin),
            &small_draft(),
            &[("Idempotency-Key", "schema-1")],
        )
        .await;
    assert_eq!(written.status, 201, "{}", written.text());
}

async fn every_schema_column_exists(app: TestApp) {
    every_table_filled(&app).await;
    // Each row decodes through its type.
    let counts = app.with_db(|conn| {
        Ok([
            (
                "sections",
                byline::schema::sections::table
                    .select(Section::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "tags",
                byline::schema::tags::table
                    .select(Tag::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "authors",
                byline::schema::authors::table
                    .select(Author::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "articles",
                byline::schema::articles::table
                    .select(Article::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "article_authors",
                article_authors::table
                    .select(article_authors::all_columns)
                    .load::<(String, String, i32)>(conn)?
                    .len(),
            ),
            (
                "article_tags",
                article_tags::table
                    .select(article_tags::all_columns)
                    .load::<(String, String, i32)>(conn)?
                    .len(),
            ),
            (
                "article_related",
                article_related::table
                    .select(article_related::all_columns)
                    .load::<(String, String, i32)>(conn)?
                    .len(),
            ),
            (
                "article_feeds",
                article_feeds::table
                    .select(article_feeds::all_columns)
                    .load::<(String, chrono::NaiveDateTime, String)>(conn)?
                    .len(),
            ),
            (
                "users",
                users::table.select(User::as_select()).load(conn)?.len(),
            ),
            (
                "integrations",
                integrations::table
                    .select(Integration::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "refresh_tokens",
                refresh_tokens::table
                    .select(RefreshToken::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "revisions",
                revisions::table
                    .select(Revision::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "idempotency_keys",
                idempotency_keys::table
                    .select(StoredResponse::as_select())
                    .load(conn)?
                    .len(),
            ),
            (
                "content_state",
                content_state::table
                    .select(content_state::all_columns)
                    .load::<(i32, i64, i64, i64)>(conn)?
                    .len(),
            ),
            (
                "events",
                events::table
                    .select(events::all_columns)
                    .load::<EventRow>(conn)?
                    .len(),
            ),
            (
                "maintenance_jobs",
                maintenance_jobs::table
                    .select(maintenance_jobs::all_columns)
                    .load::<(String, chrono::NaiveDateTime, i64)>(conn)?
                    .len(),
            ),
        ])
    });
    assert!(
        counts.iter().all(|&(_, n)| n > 0),
        "every table has rows: {counts:?}"
    );
}

/// The nullable columns decode filled as well as empty.
async fn nullable_columns_decode_when_filled(app: TestApp) {
    every_table_filled(&app).await;
    let (linked, used, revoked, stored) = app.with_db(|conn| {
        let linked = users::table
            .filter(users::author_id.is_not_null())
            .select(User::as_select())
            .load(conn)?;
        let used = refresh_tokens::table
            .filter(refresh_tokens::used_at.is_not_null())
            .select(RefreshToken::as_select())
            .load(conn)?;
        let revoked = integrations::table
            .filter(integrations::revoked_at.is_not_null())
            .select(Integration::as_select())
            .load(conn)?;
        let stored = idempotency_keys::table
            .select(StoredResponse::as_select())
            .load(conn)?;
        Ok((linked, used, revoked, stored))
    });
    assert!(linked.iter().all(|u| u.author_id.is_some()));
    assert_eq!(linked.len(), 1, "the person linked to news-desk");
    assert_eq!(used.len(), 1, "the refresh token used once");
    assert_eq!(revoked.len(), 1, "the removed tool");
    assert!(revoked[0].author_id.is_some());
    assert_eq!(stored.len(), 1);
    assert!(stored[0].location.is_some() && stored[0].etag.is_some());
}

/// The listing index holds published stories only: 22 live and 1 scheduled.
async fn the_listing_index_holds_published_stories_only(app: TestApp) {
    app.load_demo();
    let all_feed = app.with_db(|conn| {
        Ok(article_feeds::table
            .filter(article_feeds::feed.eq("all"))
            .count()
            .get_result::<i64>(conn)?)
    });
    assert_eq!(
        all_feed, 23,
        "22 published and 1 scheduled story are indexed"
    );
}

/// The replicas' shared state: one generation row, which content writes
/// moved, and the upkeep jobs.
async fn replicas_share_one_generation_row_and_the_upkeep_jobs(app: TestApp) {
    app.load_demo();
    let (generation, jobs) = app.with_db(|conn| {
        let state = content_state::table
            .select(content_state::all_columns)
            .load::<(i32, i64, i64, i64)>(conn)?;
        let jobs = maintenance_jobs::table
            .select(maintenance_jobs::all_columns)
            .load::<(String, chrono::NaiveDateTime, i64)>(conn)?;
        Ok((state, jobs))
    });
    assert_eq!(generation.len(), 1);
    assert!(generation[0].1 > 0, "loading the demo moved the generation");
    assert!(jobs
        .iter()
        .any(|j| j.0 == byline::background::FORGET_IDEMPOTENCY_KEYS));
}

/// Migrations are idempotent: a second run applies nothing.
async fn migrations_run_again_apply_nothing(app: TestApp) {
    app.load_demo();
    let applied = app.with_db(byline::db::run_migrations);
    assert!(applied.is_empty());
}

backend_tests!(
    every_schema_column_exists,
    nullable_columns_decode_when_filled,
    the_listing_index_holds_published_stories_only,
    replicas_share_one_generation_row_and_the_upkeep_jobs,
    migrations_run_again_apply_nothing,
);

/// Rows as the first two migrations' schema held them: a section, a tag,
/// an author and three stories with links, picks and feed entries (one
/// with an external id, one with a 20 KB body).
fn old_rows(body: &str) -> String {
    let mut sql = String::from(
        "INSERT INTO sections (id, slug, name, description, position, created_at, updated_at) \
         VALUES ('s1', 'news', 'News', '', 1, '2021-01-01 00:00:00', '2021-01-01 00:00:00');
         INSERT INTO tags (id, slug, name, description, created_at, updated_at) \
         VALUES ('t1', 'alpha', 'Alpha', '', '2021-01-01 00:00:00', '2021-01-01 00:00:00');
         INSERT INTO authors (id, slug, name, bio, email, created_at, updated_at) \
         VALUES ('a1', 'ann', 'Ann', '', 'ann@example.com', '2021-01-01 00:00:00', '2021-01-01 00:00:00');",
    );
    for i in 1..=3 {
        let external = if i == 1 { "'wire-1'" } else { "NULL" };
        sql.push_str(&format!(
            "INSERT INTO articles (id, slug, headline, standfirst, body_html, body_source, body_format, \
             excerpt, status, published_at, section_id, word_count, reading_time_minutes, external_id, \
             version, created_at, updated_at, created_by) VALUES ('x{i}', 'story-{i}', 'Story {i}', '', \
             '{body}{i}', '{body}{i}', 'html', 'e', 'published', '2021-01-0{i} 00:00:00', 's1', 1, 1, \
             {external}, 1, '2021-01-01 00:00:00', '2021-01-01 00:00:00', 'user:u1');
             INSERT INTO article_authors VALUES ('x{i}', 'a1', 0);
             INSERT INTO article_tags VALUES ('x{i}', 't1', 0);
             INSERT INTO article_feeds VALUES ('all', '2021-01-0{i} 00:00:00', 'x{i}');
             INSERT INTO article_feeds VALUES ('s:s1', '2021-01-0{i} 00:00:00', 'x{i}');"
        ));
    }
    sql.push_str("INSERT INTO article_related VALUES ('x1', 'x2', 0);");
    sql
}

/// A folder removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A SQLite database made before the article table was rebuilt (to put
/// bodies last, then to scope external ids to their sender), migrated to
/// now.
struct Upgraded {
    conn: byline::db::DbConnection,
    /// Rows in articles, article_authors, article_tags, article_related
    /// and article_feeds before the upgrade.
    before: Vec<i64>,
    /// Each story's slug and body before the upgrade.
    bodies_before: Vec<(String, String)>,
    applied: Vec<String>,
    // Last: the folder goes after the connection is closed.
    _dir: TempDir,
}

fn row_counts(conn: &mut byline::db::DbConnection) -> Vec<i64> {
    vec![
        byline::schema::articles::table
            .count()
            .get_result(conn)
            .unwrap(),
        article_authors::table.count().get_result(conn).unwrap(),
        article_tags::table.count().get_result(conn).unwrap(),
        article_related::table.count().get_result(conn).unwrap(),
        article_feeds::table.count().get_result(conn).unwrap(),
    ]
}

fn bodies(conn: &mut byline::db::DbConnection) -> Vec<(String, String)> {
    use byline::schema::articles;
    articles::table
        .select((articles::slug, articles::body_html))
        .order(articles::slug)
        .load(conn)
        .unwrap()
}

fn upgraded() -> Upgraded {
    use byline::db::{DbConnection, SQLITE_MIGRATIONS};
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;

    let dir =
        std::env::temp_dir().join(format!("byline-upgrade-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("old.db").to_string_lossy().to_string();
    let mut raw = diesel::SqliteConnection::establish(&path).unwrap();
    raw.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
    // The schema as the first two migrations left it.
    raw.run_next_migration(SQLITE_MIGRATIONS).unwrap();
    raw.run_next_migration(SQLITE_MIGRATIONS).unwrap();
    raw.batch_execute(&old_rows(&"<p>words</p>".repeat(2000)))
        .unwrap();
    let mut conn = DbConnection::Sqlite(raw);
    let before = row_counts(&mut conn);
    let bodies_before = bodies(&mut conn);
    let applied = byline::db::run_migrations(&mut conn).unwrap();
    Upgraded {
        conn,
        before,
        bodies_before,
        applied,
        _dir: TempDir(dir),
    }
}

/// Every row, link and feed entry survives the rebuilds.
#[test]
fn sqlite_upgrade_keeps_every_row() {
    let mut up = upgraded();
    assert!(up.applied.len() >= 2, "{:?}", up.applied);
    assert_eq!(up.before, [3, 3, 3, 1, 6]);
    assert_eq!(row_counts(&mut up.conn), up.before);
    assert_eq!(bodies(&mut up.conn), up.bodies_before);
}

/// The external id now belongs to the story's creator.
#[test]
fn sqlite_upgrade_gives_an_external_id_to_its_creator() {
    let mut up = upgraded();
    let owner: String = byline::schema::articles::table
        .filter(byline::schema::articles::external_id.eq("wire-1"))
        .select(byline::schema::articles::external_owner)
        .first(&mut up.conn)
        .unwrap();
    assert_eq!(owner, "user:u1");
}

/// Foreign keys are on again, and none points nowhere.
#[test]
fn sqlite_upgrade_leaves_foreign_keys_on_and_whole() {
    let mut up = upgraded();
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
    }
    let flag: Flag = diesel::sql_query("PRAGMA foreign_keys")
        .get_result(&mut up.conn)
        .unwrap();
    assert_eq!(flag.foreign_keys, 1);
    let broken: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "SELECT count(*) FROM pragma_foreign_key_check",
    )
    .get_result(&mut up.conn)
    .unwrap();
    assert_eq!(broken, 0);
}
