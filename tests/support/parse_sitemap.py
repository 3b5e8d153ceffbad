"""Parses a sitemap or sitemap index with lxml's strict XML parser and
checks its shape against the sitemaps.org 0.9 protocol and Google's news
extension: the root element and namespace, only known elements, absolute
http(s) locations under 2,048 characters, W3C Datetime dates, and the limits
(50,000 URLs, and 1,000 in a news sitemap). Reads the XML on standard input;
prints JSON: the root's name, every entry, and every problem found.
"""

import json
import re
import sys

from lxml import etree

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")

problems = []
raw = sys.stdin.buffer.read()
try:
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, recover=False))
except etree.XMLSyntaxError as e:
    print(json.dumps({"root": None, "entries": [], "problems": [f"not XML: {e}"]}))
    sys.exit(0)

if not raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'):
    problems.append("no UTF-8 XML declaration")


def local(el):
    return etree.QName(el).localname


def ns(el):
    return etree.QName(el).namespace


def check_loc(text):
    if not text or not re.match(r"^https?://[^\s]+$", text) or len(text) > 2048:
        problems.append(f"bad loc {text!r}")


entries = []
name = local(root)
if ns(root) != SM or name not in ("urlset", "sitemapindex"):
    problems.append(f"root {root.tag}")
child_name = "sitemap" if name == "sitemapindex" else "url"
for item in root:
    if ns(item) != SM or local(item) != child_name:
        problems.append(f"unexpected element {item.tag}")
        continue
    entry = {}
    for field in item:
        if ns(field) == SM and local(field) in ("loc", "lastmod"):
            entry[local(field)] = field.text
        elif ns(field) == NEWS and local(field) == "news" and name == "urlset":
            news = {}
            for part in field:
                if ns(part) != NEWS:
                    problems.append(f"unexpected news element {part.tag}")
                elif local(part) == "publication":
                    for p in part:
                        news[local(p)] = p.text
                else:
                    news[local(part)] = part.text
            for required in ("name", "language", "publication_date", "title"):
                if not news.get(required):
                    problems.append(f"news entry without {required}")
            if news.get("publication_date") and not W3C.match(news["publication_date"]):
                problems.append(f"bad publication_date {news['publication_date']!r}")
            entry["news"] = news
        else:
            problems.append(f"unexpected element {field.tag}")
    check_loc(entry.get("loc"))
    if "lastmod" in entry and not W3C.match(entry["lastmod"] or ""):
        problems.append(f"bad lastmod {entry['lastmod']!r}")
    entries.append(entry)

if len(entries) > 50000:
    problems.append(f"{len(entries)} entries, over 50,000")
if any("news" in e for e in entries) and len(entries) > 1000:
    problems.append(f"{len(entries)} news entries, over 1,000")
if len(raw) > 50 * 1024 * 1024:
    problems.append("over 50 MiB")

print(json.dumps({"root": name, "entries": entries, "problems": problems}))
