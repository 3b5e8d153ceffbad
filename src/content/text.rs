//! Plain text from stored HTML: the words a reading time counts, the
//! excerpt, and slugs.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer};

/// Words a reader gets through in a minute, for `reading_time_minutes`.
pub const WORDS_PER_MINUTE: usize = 200;

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

pub(super) fn text_of(html: &str) -> String {
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
