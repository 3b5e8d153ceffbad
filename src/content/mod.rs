//! Turning a submitted body into what is stored: sanitized HTML, plain text
//! statistics and an excerpt. ammonia sanitizes and pulldown-cmark renders
//! Markdown; this module decides the policy and bounds the work: a body is
//! checked in linear time (`shape`) before the sanitizer's tree builder,
//! whose cost grows faster than the input on deep nesting, ever sees it.

mod shape;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer};

pub use shape::{MAX_DEPTH, MAX_ELEMENTS, MAX_STEPS};

/// Words a reader gets through in a minute, for `reading_time_minutes`.
pub const WORDS_PER_MINUTE: usize = 200;
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

/// A body ready to store.
#[derive(Debug, Clone)]
pub struct PreparedBody {
    pub html: String,
    pub text: String,
    pub word_count: usize,
    pub reading_time_minutes: usize,
    pub excerpt: String,
}

/// Whether a `srcset` candidate's URL is one a page may load: relative, or
/// http(s).
fn allowed_image_url(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) => matches!(parsed.scheme(), "http" | "https"),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            !url.contains(':') || {
                // "a/b:c" is relative; "javascript:x" is not, and fails above.
                let colon = url.find(':').unwrap_or(usize::MAX);
                url.find('/').is_some_and(|slash| slash < colon)
            }
        }
        Err(_) => false,
    }
}

/// Keeps the `srcset` candidates whose URLs are allowed; None when none is.
fn filter_srcset(value: &str) -> Option<String> {
    let mut kept = Vec::new();
    for candidate in split_srcset(value) {
        if allowed_image_url(candidate.0) {
            kept.push(match candidate.1 {
                "" => candidate.0.to_string(),
                descriptor => format!("{} {descriptor}", candidate.0),
            });
        }
    }
    (!kept.is_empty()).then(|| kept.join(", "))
}

/// `srcset`'s candidates as (URL, descriptor), as the HTML standard splits
/// them: a URL runs to white space, and a comma ends a candidate.
fn split_srcset(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return out;
        }
        let url_end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let url = &rest[..url_end];
        rest = &rest[url_end..];
        if let Some(stripped) = url.strip_suffix(',') {
            out.push((stripped.trim_end_matches(','), ""));
            continue;
        }
        let descriptor_end = rest.find(',').unwrap_or(rest.len());
        out.push((url, rest[..descriptor_end].trim()));
        rest = &rest[descriptor_end..];
    }
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .add_tags(["figure", "figcaption", "picture", "source", "mark", "time"])
            .add_tag_attributes("img", ["loading", "srcset", "sizes"])
            .add_tag_attributes("source", ["srcset", "type", "media", "sizes"])
            .add_tag_attributes("time", ["datetime"])
            .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
            .link_rel(Some("noopener noreferrer"))
            // ammonia checks the schemes of href and src, not of srcset's
            // list of URLs.
            .attribute_filter(|_, attribute, value| match attribute {
                "srcset" => filter_srcset(value).map(Cow::Owned),
                _ => Some(Cow::Borrowed(value)),
            });
        builder
    })
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
    let text = normalize_space(&text_of(&html));
    let word_count = text.split_whitespace().count();
    Ok(PreparedBody {
        html,
        excerpt: plain(&excerpt_of(&text, EXCERPT_CHARS)),
        reading_time_minutes: reading_time(word_count),
        word_count,
        text,
    })
}

/// Text that stays text wherever it is put: the characters that open and
/// close markup are swapped for look-alikes, so an excerpt pasted into a
/// page as HTML can never start a tag, whatever entities the body decoded to.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => '\u{2039}',
            '>' => '\u{203A}',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// Minutes to read `words`, rounded up, never below one.
pub fn reading_time(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "hr",
    "dd",
    "dt",
];

/// Gathers the text of sanitized HTML, with a break at every block
/// boundary so "<p>a</p><p>b</p>" reads as two words. The tokenizer decodes
/// entities and never mistakes a `>` inside an attribute for a tag's end.
struct TextSink(RefCell<String>);

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut out = self.0.borrow_mut();
        match token {
            Token::CharacterTokens(text) => out.push_str(&text),
            Token::TagToken(tag) if BLOCK_TAGS.contains(&tag.name.as_ref()) => out.push('\n'),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn text_of(html: &str) -> String {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(TextSink(RefCell::new(String::new())), Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Collapses runs of white space to one space.
pub fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text cut at a word boundary to at most `max` characters, with an
/// ellipsis when anything was cut.
pub fn excerpt_of(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        let extra = if out.is_empty() { 0 } else { 1 } + word.chars().count();
        if out.chars().count() + extra > max.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max.saturating_sub(1)).collect();
    }
    let trimmed = out.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != '"' && c != ')');
    format!("{trimmed}…")
}

/// A URL-safe slug for a headline: lower-case ASCII words joined by '-'.
pub fn slugify(text: &str, max_len: usize) -> String {
    // "Assange’s" should read "assanges", not "assange-s".
    let full = slug::slugify(text.replace(['\'', '’'], ""));
    if full.len() <= max_len {
        return full;
    }
    let mut cut = String::new();
    for part in full.split('-') {
        if !cut.is_empty() && cut.len() + 1 + part.len() > max_len {
            break;
        }
        if !cut.is_empty() {
            cut.push('-');
        }
        cut.push_str(part);
    }
    cut.truncate(max_len);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(source: &str, format: BodyFormat) -> PreparedBody {
        prepare_body(source, format, &Budget::standalone()).expect("a body within the limits")
    }

    /// CPU time this thread has used: unlike wall time, other tests and
    /// other processes on the machine do not inflate it.
    fn thread_cpu() -> Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec that we own.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    const LIMIT: usize = 2 * 1024 * 1024;

    fn repeat_to(unit: &str, size: usize) -> String {
        unit.repeat(size / unit.len())
    }

    /// Bodies built to make an HTML parser or a Markdown renderer work in
    /// time that grows faster than their length, each at the default size
    /// limit.
    fn pathological() -> Vec<(&'static str, BodyFormat, String)> {
        use BodyFormat::{Html, Markdown};
        let distinct_b: String = (0..LIMIT / 14).map(|i| format!("<b id={i}>")).collect();
        let reopened: String = (0..LIMIT / 20)
            .map(|i| format!("<p><b id={i}>x</p>"))
            .collect();
        let md_table = {
            let mut s = "|a".repeat(5000);
            s.push('\n');
            s.push_str(&"|-".repeat(5000));
            s.push('\n');
            s.push_str(&"|x\n".repeat((LIMIT - s.len()) / 3));
            s
        };
        vec![
            ("nested div", Html, repeat_to("<div>", LIMIT)),
            ("self-closed div", Html, repeat_to("<div/>", LIMIT)),
            ("unclosed b", Html, repeat_to("<b>", LIMIT)),
            ("repeated a", Html, repeat_to("<a>", LIMIT)),
            ("distinct b", Html, distinct_b),
            ("reopened formatting", Html, reopened),
            ("nested list items", Html, repeat_to("<ul><li>", LIMIT)),
            ("nested tables", Html, repeat_to("<table><tr><td>", LIMIT)),
            ("b around p", Html, repeat_to("<b><p>", LIMIT)),
            ("span in div", Html, repeat_to("<span><div></span>", LIMIT)),
            ("b around div", Html, repeat_to("<b><div></b>", LIMIT)),
            ("misnested i b", Html, repeat_to("<i><b>x</i></b>", LIMIT)),
            ("stray end tags", Html, repeat_to("</p></div></b>", LIMIT)),
            ("svg", Html, repeat_to("<svg><g>", LIMIT)),
            ("comments", Html, repeat_to("x<!---->", LIMIT)),
            (
                "attributes",
                Html,
                repeat_to("<a href=x title=y class=z>", LIMIT),
            ),
            (
                "plain paragraphs",
                Html,
                repeat_to("<p>Some words in a paragraph.</p>", LIMIT),
            ),
            ("markdown quotes", Markdown, repeat_to("> ", LIMIT)),
            ("markdown ordered lists", Markdown, repeat_to("1. ", LIMIT)),
            ("markdown bullets", Markdown, repeat_to("* ", LIMIT)),
            ("markdown items", Markdown, repeat_to("* a\n", LIMIT)),
            (
                "markdown html blocks",
                Markdown,
                repeat_to("<div>\n", LIMIT),
            ),
            ("markdown wide table", Markdown, md_table),
            ("markdown emphasis", Markdown, repeat_to("*a", LIMIT)),
            (
                "markdown mixed emphasis",
                Markdown,
                repeat_to("*_**__", LIMIT),
            ),
            ("markdown brackets", Markdown, repeat_to("[a](", LIMIT)),
            ("markdown backticks", Markdown, repeat_to("`a", LIMIT)),
            ("markdown angle brackets", Markdown, repeat_to("<a", LIMIT)),
            ("svg break-out", Html, {
                let mut s = "<svg><span></svg>".repeat(20_000);
                s.push_str(&"</x>".repeat((LIMIT - s.len()) / 4));
                s
            }),
            (
                "formatting across objects",
                Html,
                (0..LIMIT / 48)
                    .map(|i| format!("<p><b id={i}><object></b></object></p>"))
                    .collect(),
            ),
            ("formatting out of svg", Html, {
                let mut s = "<div>".to_string();
                for i in 0..200 {
                    s.push_str(&format!("<svg><b id={i}></svg>"));
                }
                s.push_str("</div>");
                s.push_str(&"<div>x</div>".repeat((LIMIT - s.len()) / 12));
                s
            }),
            (
                "markdown svg break-out",
                Markdown,
                "<svg><span></svg>\n".repeat(LIMIT / 18),
            ),
        ]
    }

    #[test]
    fn pathological_bodies_take_linear_time() {
        for (name, format, body) in pathological() {
            let before = thread_cpu();
            let outcome = prepare_body(&body, format, &Budget::standalone());
            let spent = thread_cpu() - before;
            assert!(
                !matches!(outcome, Err(Refusal::OutOfTime)),
                "{name}: ran out of time"
            );
            // The goal is well under a second; the bound is loose for a
            // shared machine and unoptimized test builds.
            assert!(
                spent < Duration::from_secs(2),
                "{name}: {spent:?} of CPU for {} bytes ({:?})",
                body.len(),
                outcome.as_ref().map(|b| b.html.len())
            );
        }
    }

    #[test]
    fn strips_scripts_handlers_and_javascript_urls() {
        let body = prep(
            r#"<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(1)">l</a><img src=x onerror=alert(1)></p><style>p{}</style>"#,
            BodyFormat::Html,
        );
        assert!(!body.html.contains("script"), "{}", body.html);
        assert!(!body.html.contains("onclick"), "{}", body.html);
        assert!(!body.html.contains("onerror"), "{}", body.html);
        assert!(!body.html.contains("javascript"), "{}", body.html);
        assert!(!body.html.contains("style"), "{}", body.html);
        assert_eq!(body.text, "Hi l");
    }

    #[test]
    fn words_split_across_blocks_are_counted_apart() {
        let body = prep(
            "<p>one two</p><p>three</p><ul><li>four</li></ul>",
            BodyFormat::Html,
        );
        assert_eq!(body.word_count, 4);
        assert_eq!(body.reading_time_minutes, 1);
    }

    #[test]
    fn markdown_is_rendered_then_sanitized() {
        let body = prep(
            "# Title\n\nSome *text* <script>x</script>",
            BodyFormat::Markdown,
        );
        assert!(body.html.contains("<h1>Title</h1>"), "{}", body.html);
        assert!(body.html.contains("<em>text</em>"), "{}", body.html);
        assert!(!body.html.contains("<script>"), "{}", body.html);
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_time(0), 1);
        assert_eq!(reading_time(200), 1);
        assert_eq!(reading_time(201), 2);
        assert_eq!(reading_time(341), 2);
    }

    #[test]
    fn excerpt_cuts_at_a_word() {
        let text = "alpha beta gamma delta";
        assert_eq!(excerpt_of(text, 100), text);
        assert_eq!(excerpt_of(text, 12), "alpha beta…");
    }

    #[test]
    fn slugs_are_ascii_and_bounded() {
        assert_eq!(
            slugify("UK court denies Assange’s extradition", 80),
            "uk-court-denies-assanges-extradition"
        );
        assert!(slugify(&"word ".repeat(40), 30).len() <= 30);
    }
}
