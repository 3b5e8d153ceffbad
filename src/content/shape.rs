//! A linear pre-check of HTML before it reaches the sanitizer.
//!
//! ammonia parses with html5ever's tree builder, and that builder does
//! work per token in proportion to the depth of the open-element stack and
//! the length of the list of active formatting elements. A body of nested
//! `<div>`s, unclosed `<b id=…>`s or `<ul><li>` pairs therefore costs time
//! quadratic in its length (300 KB of `<div>` took 27 s). Rather than
//! sanitize first and hope, the token stream is replayed here through a
//! small model of the tree builder's bookkeeping, which costs at most
//! `MAX_DEPTH` steps per token, and a body whose model exceeds the limits is
//! refused before the real parser sees it.
//!
//! The model is conservative: wherever it is unsure it keeps elements open
//! (an adoption-agency end tag, a foreign element), so the real parser's
//! stack is never deeper than the model's.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::{Budget, Refusal};

/// The deepest element nesting a body may have.
pub const MAX_DEPTH: usize = 100;
/// The most elements a body may hold.
pub const MAX_ELEMENTS: usize = 100_000;
/// The most formatting elements (`b`, `i`, `a`, …) left open at once.
pub const MAX_OPEN_FORMATTING: usize = 100;

/// How many tokens pass between looks at the clock.
const TOKENS_PER_CHECK: usize = 4096;
/// How much input the tokenizer takes at a time.
const CHUNK_BYTES: usize = 16 * 1024;

/// Elements that never have content.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "frame"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Formatting elements: kept in the list of active formatting elements
/// and reopened after a block closes them.
fn is_formatting(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "big"
            | "code"
            | "em"
            | "font"
            | "i"
            | "nobr"
            | "s"
            | "small"
            | "strike"
            | "strong"
            | "tt"
            | "u"
    )
}

/// The HTML standard's "special" category: an end tag for an ordinary
/// element does not reach past one of these.
fn is_special(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "applet"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "button"
            | "caption"
            | "center"
            | "colgroup"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "frameset"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "header"
            | "hgroup"
            | "html"
            | "iframe"
            | "li"
            | "listing"
            | "main"
            | "marquee"
            | "menu"
            | "nav"
            | "noembed"
            | "noframes"
            | "noscript"
            | "object"
            | "ol"
            | "p"
            | "plaintext"
            | "pre"
            | "script"
            | "search"
            | "section"
            | "select"
            | "style"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "template"
            | "textarea"
            | "tfoot"
            | "th"
            | "thead"
            | "title"
            | "tr"
            | "ul"
            | "xmp"
    ) || is_void(name)
}

/// Where a search for an element "in scope" stops.
fn is_scope_boundary(name: &str) -> bool {
    matches!(
        name,
        "applet"
            | "caption"
            | "html"
            | "table"
            | "td"
            | "th"
            | "marquee"
            | "object"
            | "template"
            | "svg"
            | "math"
    )
}

/// Start tags that close an open `p` first.
fn closes_p(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "center"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "header"
            | "hgroup"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "search"
            | "section"
            | "summary"
            | "ul"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "pre"
            | "listing"
            | "form"
            | "hr"
            | "xmp"
            | "li"
            | "dd"
            | "dt"
            | "table"
    )
}

/// The tokenizer state an element's content is read in.
fn raw_kind(name: &str) -> Option<TokenSinkResult<()>> {
    match name {
        "title" | "textarea" => Some(TokenSinkResult::RawData(RawKind::Rcdata)),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
            Some(TokenSinkResult::RawData(RawKind::Rawtext))
        }
        "script" => Some(TokenSinkResult::RawData(RawKind::ScriptData)),
        "plaintext" => Some(TokenSinkResult::Plaintext),
        _ => None,
    }
}

struct Open {
    name: String,
    /// Its entry in `active`, for a formatting element.
    formatting: bool,
}

struct Active {
    name: String,
    /// Tag name and attributes: the parser keeps at most three alike.
    signature: u64,
    on_stack: bool,
}

#[derive(Default)]
struct Model {
    stack: Vec<Open>,
    active: Vec<Active>,
    elements: usize,
    tokens: usize,
    refused: Option<Refusal>,
}

impl Model {
    fn refuse(&mut self, refusal: Refusal) {
        if self.refused.is_none() {
            self.refused = Some(refusal);
        }
    }

    fn foreign(&self) -> bool {
        self.stack
            .iter()
            .any(|o| o.name == "svg" || o.name == "math")
    }

    /// Index of the nearest open `name`, searching down to a boundary.
    fn in_scope(&self, name: &str, extra_boundary: &[&str]) -> Option<usize> {
        self.in_scope_any(&[name], extra_boundary)
    }

    /// Index of the nearest open element named in `names`, searching down
    /// to a boundary.
    fn in_scope_any(&self, names: &[&str], extra_boundary: &[&str]) -> Option<usize> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if names.contains(&open.name.as_str()) {
                return Some(i);
            }
            if is_scope_boundary(&open.name) || extra_boundary.contains(&open.name.as_str()) {
                return None;
            }
        }
        None
    }

    /// Pops the stack down to (and without) index `i`; formatting
    /// elements popped this way stay active, off the stack.
    fn pop_to(&mut self, i: usize) {
        for open in self.stack.drain(i..) {
            if open.formatting {
                if let Some(a) = self
                    .active
                    .iter_mut()
                    .rev()
                    .find(|a| a.on_stack && a.name == open.name)
                {
                    a.on_stack = false;
                }
            }
        }
    }

    fn push(&mut self, name: &str, formatting: bool) {
        self.elements += 1;
        self.stack.push(Open {
            name: name.to_string(),
            formatting,
        });
        if self.elements > MAX_ELEMENTS {
            self.refuse(Refusal::TooComplex(format!(
                "has more than {MAX_ELEMENTS} elements"
            )));
        } else if self.stack.len() > MAX_DEPTH {
            self.refuse(Refusal::TooComplex(format!(
                "nests elements more than {MAX_DEPTH} deep"
            )));
        }
    }

    /// The parser reopens every active formatting element that a block
    /// closed before it inserts content.
    fn reconstruct(&mut self) {
        if self.active.iter().all(|a| a.on_stack) {
            return;
        }
        let reopen: Vec<String> = self
            .active
            .iter_mut()
            .filter(|a| !a.on_stack)
            .map(|a| {
                a.on_stack = true;
                a.name.clone()
            })
            .collect();
        for name in reopen {
            self.push(&name, true);
        }
    }

    fn start(&mut self, name: &str, self_closing: bool, signature: u64) {
        if self.foreign() {
            if !self_closing {
                self.push(name, false);
            } else {
                self.elements += 1;
            }
            return;
        }
        if closes_p(name) {
            if let Some(i) = self.in_scope("p", &["button"]) {
                self.pop_to(i);
            }
        }
        if name == "a" || name == "nobr" {
            // A second `a` first ends the one still open.
            if self.active.iter().any(|a| a.name == name) {
                self.end(name);
            }
        }
        let closes_same_kind: &[&str] = match name {
            "li" => &["li"],
            "dd" | "dt" => &["dd", "dt"],
            "td" | "th" => &["td", "th"],
            "tr" => &["tr"],
            "thead" | "tbody" | "tfoot" => &["thead", "tbody", "tfoot"],
            "option" | "optgroup" => &["option"],
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => &["h1", "h2", "h3", "h4", "h5", "h6"],
            "button" => &["button"],
            _ => &[],
        };
        if !closes_same_kind.is_empty() {
            let boundary: &[&str] = if name == "li" { &["ol", "ul"] } else { &[] };
            if let Some(i) = self.in_scope_any(closes_same_kind, boundary) {
                self.pop_to(i);
            }
        }
        self.reconstruct();
        if is_void(name) {
            self.elements += 1;
            return;
        }
        let formatting = is_formatting(name);
        if formatting {
            // Noah's Ark: a fourth identical entry pushes out the earliest.
            let alike: Vec<usize> = self
                .active
                .iter()
                .enumerate()
                .filter(|(_, a)| a.signature == signature)
                .map(|(i, _)| i)
                .collect();
            if alike.len() >= 3 {
                self.active.remove(alike[0]);
            }
            self.active.push(Active {
                name: name.to_string(),
                signature,
                on_stack: true,
            });
            if self.active.len() > MAX_OPEN_FORMATTING {
                self.refuse(Refusal::TooComplex(format!(
                    "leaves more than {MAX_OPEN_FORMATTING} formatting elements open"
                )));
            }
        }
        self.push(name, formatting);
    }

    fn end(&mut self, name: &str) {
        if is_formatting(name) {
            if let Some(pos) = self.active.iter().rposition(|a| a.name == name) {
                let entry = self.active.remove(pos);
                if entry.on_stack {
                    if let Some(i) = self.stack.iter().rposition(|o| o.name == name) {
                        // Without a block inside it the element simply
                        // closes; with one, the parser's adoption agency
                        // keeps the block open, so the model keeps all.
                        if !self.stack[i + 1..].iter().any(|o| is_special(&o.name)) {
                            self.stack.truncate(i);
                        }
                    }
                }
                return;
            }
        }
        if is_special(name) {
            let boundary: &[&str] = match name {
                "p" => &["button"],
                "li" => &["ol", "ul"],
                _ => &[],
            };
            if let Some(i) = self.in_scope(name, boundary) {
                self.pop_to(i);
            }
            return;
        }
        // Any other end tag closes the nearest element of its name, but
        // never reaches past a special one.
        for i in (0..self.stack.len()).rev() {
            if self.stack[i].name == name {
                self.pop_to(i);
                return;
            }
            if is_special(&self.stack[i].name) {
                return;
            }
        }
    }
}

struct ShapeSink<'b> {
    model: RefCell<Model>,
    budget: &'b Budget,
}

fn signature(tag: &html5ever::tokenizer::Tag) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (*tag.name).hash(&mut h);
    let mut attrs: Vec<(&str, &str)> = tag
        .attrs
        .iter()
        .map(|a| (&*a.name.local, &*a.value))
        .collect();
    attrs.sort_unstable();
    attrs.hash(&mut h);
    h.finish()
}

impl TokenSink for ShapeSink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut model = self.model.borrow_mut();
        if model.refused.is_some() {
            return TokenSinkResult::Continue;
        }
        model.tokens += 1;
        if model.tokens.is_multiple_of(TOKENS_PER_CHECK) && self.budget.exhausted() {
            model.refuse(Refusal::OutOfTime);
            return TokenSinkResult::Continue;
        }
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => {
                    let sig = if is_formatting(&tag.name) {
                        signature(&tag)
                    } else {
                        0
                    };
                    model.start(&tag.name, tag.self_closing, sig);
                    if !tag.self_closing && !model.foreign() {
                        if let Some(kind) = raw_kind(&tag.name) {
                            return kind;
                        }
                    }
                }
                TagKind::EndTag => model.end(&tag.name),
            },
            Token::CharacterTokens(text) if !text.trim().is_empty() => model.reconstruct(),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Checks that HTML stays within the limits; the first limit it passes
/// refuses it.
pub fn check(html: &str, budget: &Budget) -> Result<(), Refusal> {
    let tokenizer = Tokenizer::new(
        ShapeSink {
            model: RefCell::new(Model::default()),
            budget,
        },
        TokenizerOpts::default(),
    );
    // Fed in pieces, so a body refused early is not tokenized to its end.
    let input = BufferQueue::default();
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = rest.len().min(CHUNK_BYTES);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        input.push_back(StrTendril::from_slice(&rest[..cut]));
        rest = &rest[cut..];
        let _ = tokenizer.feed(&input);
        if tokenizer.sink.model.borrow().refused.is_some() {
            break;
        }
    }
    tokenizer.end();
    match tokenizer.sink.model.into_inner().refused {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}
