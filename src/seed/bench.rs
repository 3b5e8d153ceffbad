//! `byline seed-bench`: a deterministic, realistic dataset of any size for
//! the benchmarks. The same `--seed` gives the same newsroom, byte for byte
//! apart from ids.

use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::content::{self, BodyFormat, PreparedBody};
use crate::db::{self, DbConnection};
use crate::editorial::TagChoice;
use crate::editorial::{write, Draft};
use crate::models::article::{self, STATUS_ARCHIVED, STATUS_DRAFT, STATUS_PUBLISHED};
use crate::models::now;
use crate::search;
use crate::taxonomy::{AuthorInput, Authors, SectionInput, Sections, TagInput, Tags};

use super::words::{FIRST, LAST, SECTION_NAMES, WORDS};

pub const SECTIONS: usize = 20;
pub const TAGS: usize = 2_000;
pub const AUTHORS: usize = 500;
/// Articles written per transaction.
const BATCH: usize = 1_000;

fn sentence(rng: &mut ChaCha8Rng, words: usize) -> String {
    let mut out = String::new();
    for i in 0..words {
        let word = WORDS.choose(rng).copied().unwrap_or("news");
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(word);
        }
    }
    out
}

/// A body of `words` words in paragraphs of 40 to 120, as safe HTML.
fn body(rng: &mut ChaCha8Rng, words: usize) -> String {
    let mut html = String::with_capacity(words * 7);
    let mut left = words;
    while left > 0 {
        let paragraph = rng.gen_range(40..=120).min(left);
        left -= paragraph;
        html.push_str("<p>");
        let mut in_paragraph = paragraph;
        while in_paragraph > 0 {
            let n = rng.gen_range(8..=20).min(in_paragraph);
            in_paragraph -= n;
            html.push_str(&sentence(rng, n));
            html.push_str(if in_paragraph > 0 { ". " } else { "." });
        }
        html.push_str("</p>");
    }
    html
}

/// The ids of the bench's sections, tags and authors.
struct Taxonomy {
    sections: Vec<String>,
    tags: Vec<String>,
    authors: Vec<String>,
}

/// Creates the bench's sections, tags and authors through the same
/// validated inserts as the newsroom API.
fn seed_taxonomy(conn: &mut DbConnection, rng: &mut ChaCha8Rng) -> anyhow::Result<Taxonomy> {
    let mut sections = Vec::with_capacity(SECTIONS);
    for (i, name) in SECTION_NAMES.iter().enumerate() {
        let input = SectionInput {
            slug: Some(format!("bench-{}", content::slugify(name, 60))),
            name: Some(name.to_string()),
            description: Some(format!("Benchmark section {name}")),
            position: Some(i as i32 + 100),
            listed: Some(true),
        };
        sections.push(super::insert::<Sections>(conn, &input)?.id);
    }
    let mut tags = Vec::with_capacity(TAGS);
    for i in 0..TAGS {
        let input = TagInput {
            slug: Some(format!("bench-tag-{i:04}")),
            name: Some(format!("{} {}", sentence(rng, 2), i)),
            listed: Some(true),
            ..TagInput::default()
        };
        tags.push(super::insert::<Tags>(conn, &input)?.id);
    }
    let mut authors = Vec::with_capacity(AUTHORS);
    for i in 0..AUTHORS {
        let name = format!(
            "{} {}",
            FIRST.choose(rng).copied().unwrap_or("Sam"),
            LAST.choose(rng).copied().unwrap_or("Lee")
        );
        let input = AuthorInput {
            slug: Some(format!("bench-author-{i:03}")),
            name: Some(name),
            bio: Some(sentence(rng, 20)),
            email: Some(Some(format!("author{i}@bench.example"))),
            listed: Some(true),
            ..AuthorInput::default()
        };
        authors.push(super::insert::<Authors>(conn, &input)?.id);
    }
    Ok(Taxonomy {
        sections,
        tags,
        authors,
    })
}

/// A status and publish time by the bench's mix: 2% drafts, 1% scheduled,
/// 1% archived, the rest published over five years before `stamp`.
fn random_status(
    rng: &mut ChaCha8Rng,
    stamp: NaiveDateTime,
) -> (&'static str, Option<NaiveDateTime>) {
    let span_secs = 5 * 365 * 24 * 3600;
    match rng.gen_range(0..100) {
        0..=1 => (STATUS_DRAFT, None),
        2 => (
            STATUS_PUBLISHED,
            Some(stamp + Duration::seconds(rng.gen_range(3600..30 * 24 * 3600))),
        ),
        3 => (
            STATUS_ARCHIVED,
            Some(stamp - Duration::seconds(rng.gen_range(0..span_secs))),
        ),
        _ => (
            STATUS_PUBLISHED,
            Some(stamp - Duration::seconds(rng.gen_range(0..span_secs))),
        ),
    }
}

/// Story number `i`, as the row the write path would store for it.
fn random_article(
    rng: &mut ChaCha8Rng,
    taxonomy: &Taxonomy,
    seed: u64,
    i: usize,
    stamp: NaiveDateTime,
) -> article::NewArticle {
    let (status, published_at) = random_status(rng, stamp);
    let headline_words = rng.gen_range(6..=12);
    let headline = sentence(rng, headline_words);
    let words = rng.gen_range(300..=1200);
    let html = body(rng, words);
    let text = content::normalize_space(&html.replace("</p>", " ").replace("<p>", ""));
    let tag_count = rng.gen_range(2..=6);
    let tags: Vec<String> = taxonomy
        .tags
        .choose_multiple(rng, tag_count)
        .cloned()
        .collect();
    let author_count = rng.gen_range(1..=2);
    let authors: Vec<String> = taxonomy
        .authors
        .choose_multiple(rng, author_count)
        .cloned()
        .collect();
    let section_id = taxonomy.sections.choose(rng).cloned();
    let draft = Draft {
        slug: format!("{}-{i}", content::slugify(&headline, 60)),
        headline,
        standfirst: sentence(rng, 18),
        body: html.clone(),
        body_format: BodyFormat::Html,
        section_id,
        author_ids: authors.clone(),
        tags: tags.iter().cloned().map(TagChoice::Existing).collect(),
        credit: Some("Bench Wire".into()),
        external_id: Some(format!("bench-{seed}-{i}")),
        status,
        published_at,
        // The generated words are English ones.
        language: "en".into(),
        ..Draft::default()
    };
    // The generated bodies are plain paragraphs: what the sanitizer would
    // make of them is what they are.
    let body = PreparedBody {
        excerpt: content::excerpt_of(&text, content::EXCERPT_CHARS),
        reading_time_minutes: content::reading_time(words),
        word_count: words,
        text,
        html,
    };
    let at = published_at.unwrap_or(stamp).min(stamp);
    let mut row = write::article_row(
        &draft,
        draft.slug.clone(),
        None,
        Some(body),
        "seed-bench",
        at,
    );
    // Bulk loading tells no one: what is public already counts as told.
    row.announced = row.visible_at(stamp).is_some();
    (row, authors, tags)
}

fn progress_bar(articles: usize, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(articles as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} articles, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Fills the database with `articles` stories (plus sections, tags and
/// authors), deterministically from `seed`. Answers the number of stories.
pub fn seed_bench(
    conn: &mut DbConnection,
    articles: usize,
    seed: u64,
    progress: bool,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let stamp = now();
    let taxonomy = db::write_transaction(conn, |conn| seed_taxonomy(conn, &mut rng))?;
    let bar = progress_bar(articles, progress);
    let mut written = 0;
    while written < articles {
        let batch = BATCH.min(articles - written);
        let rows: Vec<article::NewArticle> = (written..written + batch)
            .map(|i| random_article(&mut rng, &taxonomy, seed, i, stamp))
            .collect();
        let docs: Vec<search::Document> = rows
            .iter()
            .map(|(a, _, _)| search::Document::of(a, &content::plain_text(&a.body_html)))
            .collect();
        db::write_transaction(conn, |conn| {
            article::insert_many(conn, &rows)?;
            search::insert_many(conn, &docs)
        })?;
        written += batch;
        bar.set_position(written as u64);
    }
    bar.finish_and_clear();
    // Planner statistics and no dead rows, as autovacuum would leave them a
    // minute later: measurements start right after a load. The per-month
    // counts took one update a story, a thousand to a transaction: their
    // few rows are compacted, as after any bulk load.
    if let DbConnection::Postgres(_) = conn {
        conn.batch_execute("VACUUM FULL listing_months")?;
        conn.batch_execute("VACUUM ANALYZE")?;
    }
    Ok(written)
}
