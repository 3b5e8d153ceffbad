//! What `prepare_body` stores, and how long it may take: bodies built to
//! make a parser's work grow faster than their length, each at the default
//! size limit, against a CPU bound.

use std::time::Duration;

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
/// limit. One case per line: the table is longer than 80 lines on purpose.
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

/// CPU time of preparing `body`, and whether it ran out of time.
fn cpu_of(body: &str, format: BodyFormat) -> (Duration, bool) {
    let before = thread_cpu();
    let outcome = prepare_body(body, format, &Budget::standalone());
    (
        thread_cpu() - before,
        matches!(outcome, Err(Refusal::OutOfTime)),
    )
}

/// Compared with an ordinary body of the same size and format, in the same
/// run: a shared machine changes both alike, while a quadratic path would
/// be thousands of times slower at 2 MiB, not a few.
#[test]
fn pathological_bodies_take_linear_time() {
    for (name, format, body) in pathological() {
        let ordinary = "<p>Plain words in a paragraph.</p>\n".repeat(body.len() / 35 + 1);
        let (baseline, _) = cpu_of(&ordinary, format);
        let (spent, out_of_time) = cpu_of(&body, format);
        assert!(!out_of_time, "{name}: ran out of time");
        let bound = baseline * 20 + Duration::from_millis(500);
        assert!(
            spent < bound,
            "{name}: {spent:?} of CPU for {} bytes, against {baseline:?} for an ordinary body",
            body.len(),
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
