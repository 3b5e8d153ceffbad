//! What people type into a search box, read into a query both backends
//! run alike: words, `"exact phrases"`, `-excluded` terms and `OR`.
//!
//! Reading never fails. Punctuation separates nothing it should not and
//! reaches neither database's query syntax: each term is rendered quoted,
//! so a stray `*`, `(`, `:` or `NEAR` is only text. A query with nothing
//! left to look for (only punctuation, or only exclusions) finds nothing.

/// The most terms a query keeps; the rest are ignored.
pub const MAX_TERMS: usize = 32;

/// One word or phrase, to include or exclude.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub excluded: bool,
}

/// Terms that must all hold (AND); a query is any one of its clauses (OR).
pub type Clause = Vec<Term>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

enum Token {
    Term(Term),
    Or,
}

/// Whether a term holds anything a tokenizer indexes: a letter or digit.
fn searchable(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// Text with control characters (NUL included) turned into spaces and the
/// quote character, which only delimits, removed.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| *c != '"')
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn tokens(input: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars
            .next_if(|c| c.is_whitespace() || c.is_control())
            .is_some()
        {}
        let Some(&first) = chars.peek() else { break };
        let excluded = first == '-';
        if excluded {
            chars.next();
        }
        let text: String = if chars.peek() == Some(&'"') {
            // A phrase runs to the closing quote, or to the end.
            chars.next();
            let mut phrase = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                phrase.push(c);
            }
            phrase
        } else {
            let mut word = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !c.is_control()) {
                if c == '"' {
                    break;
                }
                word.push(c);
            }
            if !excluded && word == "OR" {
                out.push(Token::Or);
                continue;
            }
            word
        };
        let text = clean(&text);
        if searchable(&text) {
            out.push(Token::Term(Term { text, excluded }));
        }
    }
    out
}

impl Query {
    pub fn parse(input: &str) -> Query {
        let mut clauses: Vec<Clause> = vec![Vec::new()];
        let mut kept = 0;
        for token in tokens(input) {
            match token {
                Token::Or => clauses.push(Vec::new()),
                Token::Term(term) if kept < MAX_TERMS => {
                    kept += 1;
                    if let Some(clause) = clauses.last_mut() {
                        clause.push(term);
                    }
                }
                Token::Term(_) => {}
            }
        }
        // A clause with nothing to include cannot be looked up in an index.
        clauses.retain(|c| c.iter().any(|t| !t.excluded));
        Query { clauses }
    }

    /// Whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// An FTS5 MATCH expression: each term a quoted string (a phrase when it
    /// has several words), `NOT` before exclusions, clauses joined by `OR`.
    pub fn fts5(&self) -> String {
        let quote = |t: &Term| format!("\"{}\"", t.text.replace('"', "\"\""));
        self.clauses
            .iter()
            .map(|clause| {
                let included: Vec<String> =
                    clause.iter().filter(|t| !t.excluded).map(quote).collect();
                let mut expr = included.join(" AND ");
                for t in clause.iter().filter(|t| t.excluded) {
                    expr.push_str(" NOT ");
                    expr.push_str(&quote(t));
                }
                format!("({expr})")
            })
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// The same query in the syntax of PostgreSQL's
    /// `websearch_to_tsquery`, which never raises a syntax error: quoted
    /// terms, `-` for exclusions, `or` between clauses.
    pub fn websearch(&self) -> String {
        self.clauses
            .iter()
            .map(|clause| {
                clause
                    .iter()
                    .map(|t| {
                        let sign = if t.excluded { "-" } else { "" };
                        format!("{sign}\"{}\"", t.text)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, excluded: bool) -> Term {
        Term {
            text: text.into(),
            excluded,
        }
    }

    #[test]
    fn words_phrases_exclusions_and_or() {
        let q = Query::parse(r#"assange "political asylum" -sweden OR ecuador embassy"#);
        assert_eq!(
            q.clauses,
            vec![
                vec![
                    term("assange", false),
                    term("political asylum", false),
                    term("sweden", true)
                ],
                vec![term("ecuador", false), term("embassy", false)],
            ]
        );
        assert_eq!(
            q.fts5(),
            r#"("assange" AND "political asylum" NOT "sweden") OR ("ecuador" AND "embassy")"#
        );
        assert_eq!(
            q.websearch(),
            r#""assange" "political asylum" -"sweden" or "ecuador" "embassy""#
        );
    }

    #[test]
    fn punctuation_is_text_or_nothing() {
        for input in [
            "***", "(", ")", "\"", "- -", "OR", "OR OR", "--", "\u{0}", "' ; --",
        ] {
            assert!(Query::parse(input).is_empty(), "{input:?}");
        }
        let q = Query::parse("NEAR(a b) c* d:e \"unclosed phrase");
        let rendered = q.fts5();
        assert_eq!(rendered.matches('"').count() % 2, 0, "{rendered}");
        assert!(q.clauses[0].contains(&term("unclosed phrase", false)));
        assert!(q.clauses[0].contains(&term("c*", false)));
    }

    #[test]
    fn a_query_of_exclusions_only_finds_nothing() {
        assert!(Query::parse("-sport -weather").is_empty());
        let q = Query::parse("-sport OR news");
        assert_eq!(q.clauses, vec![vec![term("news", false)]]);
    }

    #[test]
    fn lower_case_or_is_a_word_and_terms_are_bounded() {
        assert_eq!(Query::parse("war or peace").clauses[0].len(), 3);
        let long = "word ".repeat(100);
        assert_eq!(Query::parse(&long).clauses[0].len(), MAX_TERMS);
    }
}
