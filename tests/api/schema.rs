//! src/schema.rs is written by hand: every column it names must exist, with
//! a compatible type, in what each backend's migrations build.

use byline::models::article::Article;
use byline::models::author::Author;
use byline::models::section::Section;
use byline::models::tag::Tag;
use byline::schema::{article_authors, article_feeds, article_related, article_tags};
use diesel::prelude::*;

use crate::backend_tests;
use crate::helpers::TestApp;

async fn every_schema_column_exists(app: TestApp) {
    // The demo fills every table, so each row decodes through its type.
    app.load_demo();
    let counts = app.with_db(|conn| {
        Ok([
            byline::schema::sections::table
                .select(Section::as_select())
                .load(conn)?
                .len(),
            byline::schema::tags::table
                .select(Tag::as_select())
                .load(conn)?
                .len(),
            byline::schema::authors::table
                .select(Author::as_select())
                .load(conn)?
                .len(),
            byline::schema::articles::table
                .select(Article::as_select())
                .load(conn)?
                .len(),
            article_authors::table
                .select(article_authors::all_columns)
                .load::<(String, String, i32)>(conn)?
                .len(),
            article_tags::table
                .select(article_tags::all_columns)
                .load::<(String, String, i32)>(conn)?
                .len(),
            article_related::table
                .select(article_related::all_columns)
                .load::<(String, String, i32)>(conn)?
                .len(),
            article_feeds::table
                .select(article_feeds::all_columns)
                .load::<(String, chrono::NaiveDateTime, String)>(conn)?
                .len(),
        ])
    });
    assert!(
        counts.iter().all(|&n| n > 0),
        "every table has demo rows: {counts:?}"
    );
    // The listing index holds published stories only: 22 live and 1 scheduled.
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
    // The replicas' shared state: one generation row, which content writes
    // moved, and the upkeep jobs.
    let (generation, jobs) = app.with_db(|conn| {
        use byline::schema::{content_state, maintenance_jobs};
        let state = content_state::table
            .select(content_state::all_columns)
            .load::<(i32, i64)>(conn)?;
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
    // Migrations are idempotent: a second run applies nothing.
    let applied = app.with_db(byline::db::run_migrations);
    assert!(applied.is_empty());
}

backend_tests!(every_schema_column_exists);

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

/// A SQLite database made before the article table was rebuilt (to put
/// bodies last, then to scope external ids to their sender) keeps every
/// row, link and feed entry through the rebuilds.
#[test]
fn sqlite_upgrade_keeps_every_row() {
    use byline::db::{DbConnection, SQLITE_MIGRATIONS};
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;

    let dir =
        std::env::temp_dir().join(format!("byline-upgrade-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("old.db").to_string_lossy().to_string();
    let mut raw = diesel::SqliteConnection::establish(&path).unwrap();
    raw.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
    // The schema as issues 2 and 3 left it.
    raw.run_next_migration(SQLITE_MIGRATIONS).unwrap();
    raw.run_next_migration(SQLITE_MIGRATIONS).unwrap();
    raw.batch_execute(&old_rows(&"<p>words</p>".repeat(2000)))
        .unwrap();
    let mut conn = DbConnection::Sqlite(raw);
    let counts = |conn: &mut DbConnection| -> Vec<i64> {
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
    };
    let bodies = |conn: &mut DbConnection| -> Vec<(String, String)> {
        use byline::schema::articles;
        articles::table
            .select((articles::slug, articles::body_html))
            .order(articles::slug)
            .load(conn)
            .unwrap()
    };
    let before = counts(&mut conn);
    let bodies_before = bodies(&mut conn);
    let applied = byline::db::run_migrations(&mut conn).unwrap();
    assert!(applied.len() >= 2, "{applied:?}");
    assert_eq!(before, [3, 3, 3, 1, 6]);
    assert_eq!(counts(&mut conn), before);
    assert_eq!(bodies(&mut conn), bodies_before);
    // The external id now belongs to the story's creator.
    let owner: String = byline::schema::articles::table
        .filter(byline::schema::articles::external_id.eq("wire-1"))
        .select(byline::schema::articles::external_owner)
        .first(&mut conn)
        .unwrap();
    assert_eq!(owner, "user:u1");
    // Foreign keys are on again, and none points nowhere.
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
    }
    let flag: Flag = diesel::sql_query("PRAGMA foreign_keys")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(flag.foreign_keys, 1);
    let broken: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "SELECT count(*) FROM pragma_foreign_key_check",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(broken, 0);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}
