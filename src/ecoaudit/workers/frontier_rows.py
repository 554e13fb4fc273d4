"""From the crawl's frontier rules to rows of the shared frontier table: what a page's links
become when workers crawl a run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.frontier import Frontier, link_url_and_text
from ecoaudit.net.urls import politeness_key
from ecoaudit.store.work_queue import Limits, NewUrl


def limits_of(site: SiteConfig) -> Limits:
    return Limits(max_pages=site.max_pages, max_documents=site.max_documents,
                  max_query_variants=site.max_query_variants)


def new_url(url: str, depth: int, source: str, parent: str | None = None, *,
            kind: str = "page", link_text: str = "") -> NewUrl:
    """A row for an already normalised, admitted URL."""
    parts = urlsplit(url)
    return NewUrl(url=url, depth=depth, source=source, host=politeness_key(url), parent=parent,
                  kind=kind, link_text=link_text, query=bool(parts.query),
                  path=f"{parts.scheme}://{parts.netloc}{parts.path}")


def screen_links(frontier: Frontier, links: Iterable[Any], depth: int,
                 parent: str | None) -> tuple[list[NewUrl], Counter[str]]:
    """The rows of a page's links that pass the site's rules (scope, patterns, depth,
    robots.txt), and the others counted by reason; duplicates and limits are the table's."""
    rows: list[NewUrl] = []
    refused: Counter[str] = Counter()
    for link in links:
        url, text = link_url_and_text(link)
        screened = frontier.screen(url, depth, "link")
        if screened.refusal is not None:
            refused[screened.refusal] += 1
            continue
        rows.append(new_url(screened.url, depth, "link", parent, kind=screened.kind,
                            link_text=text.strip() if screened.kind == "document" else ""))
    return rows, refused

