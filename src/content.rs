//! Turning a submitted body into what is stored: sanitized HTML, plain text
//! statistics and an excerpt. ammonia sanitizes and pulldown-cmark renders
//! Markdown; this module only decides the policy.

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer};

/// Words a reader gets through in a minute, for `reading_time_minutes`.
pub const WORDS_PER_MINUTE: usize = 200;
/// The longest excerpt derived from a body, in characters.
pub const EXCERPT_CHARS: usize = 200;

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

/// A body ready to store.
#[derive(Debug, Clone)]
pub struct PreparedBody {
    pub html: String,
    pub text: String,
    pub word_count: usize,
    pub reading_time_minutes: usize,
    pub excerpt: String,
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["figure", "figcaption", "picture", "source", "mark", "time"])
        .add_tag_attributes("img", ["loading", "srcset", "sizes"])
        .add_tag_attributes("source", ["srcset", "type", "media", "sizes"])
        .add_tag_attributes("time", ["datetime"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer"));
    builder
}

/// Sanitizes a body (rendering Markdown first) and derives its statistics.
pub fn prepare_body(source: &str, format: BodyFormat) -> PreparedBody {
    let html_in = match format {
        BodyFormat::Html => source.to_string(),
        BodyFormat::Markdown => {
            let mut options = pulldown_cmark::Options::empty();
            options.insert(pulldown_cmark::Options::ENABLE_TABLES);
            options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
            options.insert(pulldown_cmark::Options::ENABLE_SMART_PUNCTUATION);
            let parser = pulldown_cmark::Parser::new_ext(source, options);
            let mut out = String::with_capacity(source.len() * 3 / 2);
            pulldown_cmark::html::push_html(&mut out, parser);
            out
        }
    };
    let html = sanitizer().clean(&html_in).to_string();
    let text = normalize_space(&text_of(&html));
    let word_count = text.split_whitespace().count();
    PreparedBody {
        html,
        excerpt: excerpt_of(&text, EXCERPT_CHARS),
        reading_time_minutes: reading_time(word_count),
        word_count,
        text,
    }
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

    #[test]
    fn strips_scripts_handlers_and_javascript_urls() {
        let body = prepare_body(
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
        let body = prepare_body(
            "<p>one two</p><p>three</p><ul><li>four</li></ul>",
            BodyFormat::Html,
        );
        assert_eq!(body.word_count, 4);
        assert_eq!(body.reading_time_minutes, 1);
    }

    #[test]
    fn markdown_is_rendered_then_sanitized() {
        let body = prepare_body(
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
