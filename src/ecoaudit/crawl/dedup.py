"""Which crawled URLs are copies of another page, decided from what one page load showed.

A content management system serves one page under many URLs: WordPress's `?p=12` shortlink and
its permalink, a category archive under two paths, a page with and without a trailing slash. Most
of them name the page they copy with `<link rel="canonical" href="...">`. A crawl records such a
URL as a duplicate of its canonical page (the `duplicates` table, reason "canonical") instead of
measuring it as a page of its own, so that the site's figures count each page once, and measures
the canonical page itself.

`canonical_duplicate` is pure (no I/O, no state): the crawl engine of this package and any other
crawl engine (e.g. a distributed one) call it on the first capture of a page, and take the same
decision. What they do with the answer (queue the canonical URL, record the duplicate, skip the
page's other devices and samples) is theirs; `crawl/engine.py` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ecoaudit.capture import Capture
from ecoaudit.net.urls import UrlError, normalise

# The `reason` values of a recorded duplicate (`Store.record_duplicate`).
CANONICAL = "canonical"  # its canonical link names another page of the site
REDIRECT = "redirect"  # it redirects to a page already measured in the run
SAME_CONTENT = "same_content"  # it serves byte for byte the HTML of a page already measured


class SiteScope(Protocol):
    """What the decision reads of a site (`ecoaudit.config.SiteConfig` satisfies it)."""

    @property
    def ignored_query_parameters(self) -> Sequence[str]: ...

    def in_scope(self, url: str) -> bool: ...


def canonical_duplicate(capture: Capture, site: SiteScope) -> str | None:
    """The normalised canonical URL of a measured page when it names another page of the site;
    None when the page is to be measured as itself.

    The page's canonical (`capture.canonical_url`, read from its `<link rel="canonical">`) and its
    own URL (the final URL, after redirects, else the requested one) are both normalised with the
    site's ignored query parameters before they are compared. None when: the page was not measured
    (`capture.error`), names no canonical, names an invalid or non-http(s) one, names one out of
    the site's allowed hosts (a syndicated copy is still a page of this site), or names itself:
    its final URL, or the URL requested or one it was redirected through (a canonical that
    redirects back to the page is the page).
    """
    if not capture.ok or not capture.canonical_url:
        return None
    ignored = tuple(site.ignored_query_parameters)
    canonical = _normalised(capture.canonical_url, ignored)
    if canonical is None or not site.in_scope(canonical):
        return None
    return None if canonical in _own_urls(capture, ignored) else canonical


def _own_urls(capture: Capture, ignored: Sequence[str]) -> set[str | None]:
    """Every URL the page load went through, normalised: requested, redirects, final. A page
    whose canonical is one of them names itself (a canonical that redirects to the page)."""
    urls = [capture.requested_url, *capture.redirect_chain, capture.final_url]
    return {_normalised(url, ignored) for url in urls if url}


def _normalised(url: str, ignored: Sequence[str]) -> str | None:
    """`normalise(url, ignored)`, or None when the URL has no normal form."""
    try:
        return normalise(url, ignored)
    except UrlError:
        return None
