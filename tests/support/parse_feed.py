"""Parses a feed with feedparser (from PyPI), the parser feed readers are
built on. Reads the feed on standard input; prints what feedparser made of
it as JSON, with `bozo` (1 when it had to forgive something) and why.
"""

import json
import sys

import feedparser

parsed = feedparser.parse(sys.stdin.buffer.read())
entries = []
for e in parsed.entries:
    entries.append({
        "title": e.get("title"),
        "link": e.get("link"),
        "id": e.get("id"),
        "published": e.get("published"),
        "updated": e.get("updated"),
        "summary": e.get("summary"),
        "authors": [a.get("name") for a in e.get("authors", [])],
        "tags": [t.get("term") for t in e.get("tags", [])],
        "content": [c.get("value") for c in e.get("content", [])],
        "enclosures": [x.get("href") for x in e.get("enclosures", [])],
    })
print(json.dumps({
    "bozo": int(parsed.bozo),
    "bozo_exception": str(parsed.get("bozo_exception", "")),
    "version": parsed.version,
    "title": parsed.feed.get("title"),
    "link": parsed.feed.get("link"),
    "entries": entries,
}))
