"""Checks the Python client openapi-python-client generates from byline's
spec: every module imports, and the client reads a story page and lists
stories from a live server.

Usage: check_python.py GENERATED_DIR [BASE_URL]
"""
import importlib
import pkgutil
import sys

sys.path.insert(0, sys.argv[1])
import byline_client  # noqa: E402  (generated; found on the path above)

failed = []
modules = 0
for module in pkgutil.walk_packages(byline_client.__path__, byline_client.__name__ + "."):
    modules += 1
    try:
        importlib.import_module(module.name)
    except Exception as error:  # any import failure is a defect of the spec
        failed.append(f"{module.name}: {type(error).__name__}: {error}")
if failed:
    print("modules that fail to import:\n  " + "\n  ".join(failed))
    sys.exit(1)
print(f"python client: all {modules} modules import")

if len(sys.argv) > 2:
    from byline_client import Client
    from byline_client.api.articles import get_article, list_articles
    from byline_client.models import ArticleDetail, ArticlePage

    client = Client(base_url=sys.argv[2])
    story = get_article.sync(client=client, article="mexico-offers-assange-political-asylum")
    assert isinstance(story, ArticleDetail), story
    # Always present on the wire, so plain attributes, not Unset.
    print(f"python client: {story.headline} ({story.published_at}, {story.reading_time_minutes} mins read)")
    page = list_articles.sync(client=client, limit=2)
    assert isinstance(page, ArticlePage) and len(page.data) == 2, page
    print(f"python client: a page of {len(page.data)}, next cursor {page.next_cursor is not None}")
