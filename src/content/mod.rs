//! Turning a submitted body into what is stored: sanitized HTML, plain text
//! statistics and an excerpt. ammonia sanitizes and pulldown-cmark renders
//! Markdown; this module decides the policy and bounds the work: a body is
//! checked in linear time (`shape`) before the sanitizer's tree builder,
//! whose cost grows faster than the input on deep nesting, ever sees it.

mod sanitize;
mod shape;
#[cfg(test)]
mod tests;
mod text;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use shape::{MAX_DEPTH, MAX_ELEMENTS, MAX_STEPS};
pub use text::{excerpt_of, normalize_space, plain, reading_time, slugify, WORDS_PER_MINUTE};

use sanitize::sanitizer;
use text::text_of;

/// The longest excerpt derived from a body, in characters.
pub const EXCERPT_CHARS: usize = 200;
/// How long preparing one body may take before it is given up.
pub const BODY_BUDGET: Duration = Duration::from_secs(5);
/// Markdown events between looks at the clock.
const EVENTS_PER_CHECK: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    Html,
    Markdown,
}

impl BodyFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Html => "html",
            BodyFormat::Markdown => "markdown",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "html" => Some(BodyFormat::Html),
            "markdown" => Some(BodyFormat::Markdown),
            _ => None,
        }
    }
}

/// Why a body was not prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The body passes a documented limit (a 422 for the client).
    TooComplex(String),
    /// The time budget ran out, or the client went away.
    OutOfTime,
}

/// A deadline and a cancel flag for work a request started: the work looks
/// at it between steps and stops when either has passed.
#[derive(Clone)]
pub struct Budget {
    deadline: Instant,
    cancelled: Arc<AtomicBool>,
}

/// Cancels its budget when dropped: held by the request's future, so work
/// a dropped request started (a server shutting down) stops early. A client
/// that merely disconnects does not drop its request in actix-web; the
/// deadline is what bounds its work.
pub struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Budget {
    pub fn new(limit: Duration) -> (Budget, CancelOnDrop) {
        let cancelled = Arc::new(AtomicBool::new(false));
        (
            Budget {
                deadline: Instant::now() + limit,
                cancelled: cancelled.clone(),
            },
            CancelOnDrop(cancelled),
        )
    }

    /// For work nobody waits on (seeding): the default limit, no cancel.
    pub fn standalone() -> Budget {
        Budget {
            deadline: Instant::now() + BODY_BUDGET,
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn exhausted(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }
}

/// The plain text of stored (sanitized) HTML, white space collapsed: what
/// the search index holds of a body it was not given the text of.
pub fn plain_text(html: &str) -> String {
    normalize_space(&text_of(html))
}

/// A body ready to store.
#[derive(Debug, Clone)]
pub struct PreparedBody {
    pub html: String,
    pub text: String,
    pub word_count: usize,
    pub reading_time_minutes: usize,
    pub excerpt: String,
}

/// Renders Markdown to HTML, counting elements as it goes so that a table
/// whose header promises thousands of columns cannot multiply its input.
fn render_markdown(source: &str, budget: &Budget) -> Result<String, Refusal> {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    options.insert(pulldown_cmark::Options::ENABLE_SMART_PUNCTUATION);
    let mut refused = None;
    let mut elements = 0usize;
    let mut events = 0usize;
    let parser = pulldown_cmark::Parser::new_ext(source, options).map_while(|event| {
        events += 1;
        if matches!(event, pulldown_cmark::Event::Start(_)) {
            elements += 1;
        }
        if elements > MAX_ELEMENTS {
            refused = Some(Refusal::TooComplex(format!(
                "has more than {MAX_ELEMENTS} elements"
            )));
            return None;
        }
        if events.is_multiple_of(EVENTS_PER_CHECK) && budget.exhausted() {
            refused = Some(Refusal::OutOfTime);
            return None;
        }
        Some(event)
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, parser);
    match refused {
        Some(refusal) => Err(refusal),
        None => Ok(out),
    }
}

/// Sanitizes a body (rendering Markdown first) and derives its statistics.
/// Runs in time linear in the body's length: the shape check refuses what
/// would make the sanitizer slow, and the budget stops the rest.
pub fn prepare_body(
    source: &str,
    format: BodyFormat,
    budget: &Budget,
) -> Result<PreparedBody, Refusal> {
    let rendered;
    let html_in = match format {
        BodyFormat::Html => source,
        BodyFormat::Markdown => {
            rendered = render_markdown(source, budget)?;
            rendered.as_str()
        }
    };
    shape::check(html_in, budget)?;
    if budget.exhausted() {
        return Err(Refusal::OutOfTime);
    }
    let html = sanitizer().clean(html_in).to_string();
    if budget.exhausted() {
        return Err(Refusal::OutOfTime);
    }
    let text = plain_text(&html);
    let word_count = text.split_whitespace().count();
    Ok(PreparedBody {
        html,
        excerpt: plain(&excerpt_of(&text, EXCERPT_CHARS)),
        reading_time_minutes: reading_time(word_count),
        word_count,
        text,
    })
}
