"""The crawl frontier: which URL to measure next, which to refuse and why, and how politely.

It knows nothing of browsers: the crawler feeds it start URLs, sitemap URLs and the links of each
rendered page, takes URLs with `next()` (breadth first), and reports each measured page with
`mark_done(requested, final)` so that pages reached through redirects are measured once. A page
set aside as a copy of another (`set_aside`, crawl/dedup.py) is not measured again either, and
`add_canonical` queues the page it copies.
Links to documents are not queued but recorded in `documents`, for `documents.inspect`.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.documents import is_document_url
from ecoaudit.crawl.robots import RobotsPolicy, fetch_robots
from ecoaudit.crawl.sitemaps import discover
from ecoaudit.net.urls import (
    UrlError,
    check_scheme,
    normalise,
    origin,
    politeness_key,
)

# Why a URL was not queued (keys of `Frontier.refused`).
REFUSAL_REASONS = (
    "scheme", "invalid", "too_long", "out_of_scope", "excluded", "not_included", "too_deep",
    "duplicate", "query_variants", "robots", "page_limit", "document_limit", "documents_off",
    "logout",
)
SAMPLES_PER_REASON = 20
SITEMAP_DEPTH = 1
# Added to a host's delay between page navigations, so that the gaps the server sees stay above
# the delay even when one request takes a little longer than the next to leave the browser.
PACING_MARGIN = 0.1  # sitemap URLs count as one step from the start URLs


@dataclass(frozen=True)
class QueuedUrl:
    """A URL waiting to be measured, with how it was found."""

    url: str
    depth: int
    source: str  # "start", "sitemap", "link", "redirect", "canonical", ...
    parent: str | None = None


@dataclass
class FoundDocument:
    """A linked document to inspect (not render)."""

    url: str
    found_on: str | None
    link_text: str = ""


@dataclass(frozen=True)
class Screened:
    """A URL after `Frontier.screen`: normalised, a page or a document, refused or not."""

    url: str
    kind: str = "page"  # or "document"
    refusal: str | None = None  # a key of REFUSAL_REASONS


class Politeness:
    """Per-host limits: at most N requests at once, and a minimum delay between request starts.

    The delay for a host is the larger of the site's `min_delay` and robots.txt's Crawl-delay.
    """

    def __init__(self, max_concurrency_per_host: int, min_delay: float) -> None:
        self.max_concurrency_per_host = max_concurrency_per_host
        self.min_delay = min_delay
        self._crawl_delays: dict[str, float] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_start: dict[str, float] = {}

    def set_crawl_delay(self, host: str, seconds: float | None) -> None:
        if seconds is not None:
            self._crawl_delays[politeness_key(host)] = seconds

    def delay_for(self, host: str) -> float:
        return max(self.min_delay, self._crawl_delays.get(politeness_key(host), 0.0))

    @asynccontextmanager
    async def slot(self, host: str, *, pace: bool = True) -> AsyncIterator[None]:
        """Hold one of the host's request slots; waits for a free slot and (with `pace`) for
        the delay. A crawler that paces each navigation itself passes pace=False."""
        key = politeness_key(host)
        semaphore = self._semaphores.setdefault(
            key, asyncio.Semaphore(self.max_concurrency_per_host)
        )
        async with semaphore:
            if pace:
                await self.pace(key)
            yield

    async def pace(self, host: str) -> None:
        """Wait until the host's delay has passed since the last start, then record a start.

        Called right before a request (a page navigation) leaves, so that the server sees
        its requests spaced by the delay, however long the preparation before it took.
        """
        key = politeness_key(host)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            loop = asyncio.get_running_loop()
            previous = self._last_start.get(key)
            delay = self.delay_for(key)
            if previous is not None and delay > 0:
                wait = previous + delay + PACING_MARGIN - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            self._last_start[key] = loop.time()


    async def navigation_turn(self, host: str) -> Callable[[], None]:
        """Wait for the host's turn to send a page navigation; return `answered`.

        Navigations of a host leave one at a time: the next waits until the previous one was
        answered (or failed), then the delay. Measured from the answer, the delay holds on the
        server's side too, whatever the network's latency. Call `answered()` exactly when the
        navigation has its answer; until then the host's other navigations wait.
        """
        key = politeness_key(host)
        if self.delay_for(key) <= 0:  # no delay to keep: navigations need not queue
            return _nothing_to_release
        lock = self._locks.setdefault(key, asyncio.Lock())
        loop = asyncio.get_running_loop()
        await lock.acquire()
        try:
            previous = self._last_start.get(key)
            if previous is not None:
                wait = previous + self.delay_for(key) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
        except BaseException:
            lock.release()
            raise
        released = False

        def answered() -> None:
            nonlocal released
            if not released:
                released = True
                self._last_start[key] = loop.time()
                lock.release()

        return answered


def _nothing_to_release() -> None:
    """The `answered` of a navigation that did not have to wait for its turn."""


class Frontier:
    """Queue, scope and memory of one site's crawl."""

    def __init__(self, site: SiteConfig, robots: Mapping[str, RobotsPolicy] | None = None) -> None:
        self.site = site
        self.politeness = Politeness(site.max_concurrency_per_host, site.min_delay)
        self.robots: dict[str, RobotsPolicy] = {}
        self.refused: Counter[str] = Counter()
        self.refused_samples: dict[str, list[str]] = {}
        self.documents: list[FoundDocument] = []
        self.blocked_reason: str | None = None
        self._queue: deque[QueuedUrl] = deque()
        self._seen: set[str] = set()  # queued, in progress, measured or redirected-to
        self._done: set[str] = set()  # final URLs measured
        self._in_progress: set[str] = set()
        self._set_aside: set[str] = set()  # final URLs of pages recorded as copies of another
        self._document_urls: set[str] = set()
        self._query_variants: dict[str, set[str]] = {}
        self._include = [re.compile(pattern) for pattern in site.include]
        self._exclude = [re.compile(pattern) for pattern in site.exclude]
        # An authenticated crawl never follows a link that would end its session.
        self._logout = [re.compile(pattern) for pattern in site.logout_exclude] if (
            site.login is not None) else []
        for policy in (robots or {}).values():
            self.use_robots(policy)

    # -- filling ----------------------------------------------------------------------------

    def add(
        self,
        url: str,
        depth: int,
        source: str,
        parent: str | None = None,
        link_text: str = "",
    ) -> bool:
        """Queue `url` if it passes every check; otherwise count why in `refused`.

        Document links are recorded in `documents` (and not queued): the result is then False
        without a refusal.
        """
        screened = self.screen(url, depth, source, robots=False)
        url = screened.url
        if screened.refusal is not None:
            return self._refuse(screened.refusal, url)
        if screened.kind == "document":
            return self._record_document(url, parent, link_text)
        if url in self._seen:
            return self._refuse("duplicate", url)
        if self._too_many_variants(url):
            return self._refuse("query_variants", url)
        if not self._robots_allow(url):
            return self._refuse("robots", url)
        if len(self._queue) + len(self._in_progress) + len(self._done) >= self.site.max_pages:
            return self._refuse("page_limit", url)
        self._seen.add(url)
        self._remember_variant(url)
        self._queue.append(QueuedUrl(url, depth, source, parent))
        return True

    def screen(self, url: str, depth: int, source: str, *, robots: bool = True) -> Screened:
        """The checks of `add` that need no memory of the crawl: length, scheme, scope,
        include and exclude patterns, depth, robots.txt (with `robots`). The crawl's memory
        (duplicates, query variants, the page and document limits) is checked by the caller:
        `add` here, the shared frontier table for a run crawled by workers."""
        site = self.site
        if len(url) > site.max_url_length:
            return Screened(url, refusal="too_long")
        try:
            check_scheme(url)
        except UrlError:
            return Screened(url, refusal="scheme")
        try:
            url = normalise(url, site.ignored_query_parameters)
        except UrlError:
            return Screened(url, refusal="invalid")
        if len(url) > site.max_url_length:
            return Screened(url, refusal="too_long")
        if self.is_document(url):
            return Screened(url, "document", self._document_refusal(url, robots))
        if not site.in_scope(url):
            return Screened(url, refusal="out_of_scope")
        if any(pattern.search(url) for pattern in self._exclude):
            return Screened(url, refusal="excluded")
        if any(pattern.search(url) for pattern in self._logout):
            return Screened(url, refusal="logout")
        is_start = source == "start"
        if self._include and not is_start and not any(p.search(url) for p in self._include):
            return Screened(url, refusal="not_included")
        if depth > site.max_depth and not is_start:
            return Screened(url, refusal="too_deep")
        if robots and not self._robots_allow(url):
            return Screened(url, refusal="robots")
        return Screened(url)

    def _document_refusal(self, url: str, robots: bool) -> str | None:
        """Why a document link is not inspected, as far as the site's settings tell."""
        if not self.site.documents:
            return "documents_off"
        if not self.site.is_first_party(url):
            return "out_of_scope"
        if any(pattern.search(url) for pattern in self._exclude):
            return "excluded"
        if robots and not self._robots_allow(url):
            return "robots"
        return None

    def add_links(self, links: Iterable[Any], depth: int, parent: str | None) -> int:
        """Add the links of a rendered page (Capture `Link`s, (url, text) pairs or URLs).

        Returns how many were queued. `javascript:`, `mailto:`, `tel:` links are refused as
        "scheme".
        """
        queued = 0
        for link in links:
            url, text = link_url_and_text(link)
            queued += self.add(url, depth, "link", parent=parent, link_text=text)
        return queued

    def add_canonical(self, url: str, depth: int, parent: str | None) -> bool:
        """Queue the canonical URL a page names (source "canonical", at the page's depth) unless
        it was seen already. True when that page is, or will be, measured in this run: queued
        now, or already queued, in progress or measured. False when it was refused (excluded,
        robots.txt, page limit...) or was itself set aside as a copy: the page naming it is then
        measured as itself, so that its content is measured once all the same."""
        normal = _safe_normalise(url, self.site.ignored_query_parameters)
        if normal is None or normal in self._set_aside:
            return False
        if normal in self._seen:
            return True
        return self.add(normal, depth, "canonical", parent=parent)

    def set_aside(self, url: str) -> None:
        """Record that the page at `url` (its final URL) was set aside as a copy of another: a
        later canonical link to it is not followed (`add_canonical`), and a URL redirecting to
        it measures it after all (`is_set_aside`)."""
        normal = _safe_normalise(url, self.site.ignored_query_parameters)
        if normal is not None:
            self._seen.add(normal)
            self._set_aside.add(normal)

    def is_set_aside(self, url: str) -> bool:
        """Whether `url` (normalised) was set aside as a copy of another page (`set_aside`)."""
        return _safe_normalise(url, self.site.ignored_query_parameters) in self._set_aside

    def use_robots(self, policy: RobotsPolicy) -> None:
        """Apply a robots.txt policy to its origin (rules and Crawl-delay)."""
        if policy.origin is None:
            return
        self.robots[policy.origin] = policy
        if self.site.respect_robots:
            self.politeness.set_crawl_delay(policy.origin, policy.crawl_delay)

    def resume_from(self, done: Iterable[str]) -> None:
        """Treat these URLs (measured in an earlier attempt of the run) as measured."""
        for url in done:
            try:
                normal = normalise(url, self.site.ignored_query_parameters)
            except UrlError:
                continue
            self._done.add(normal)
            if normal not in self._seen:  # a query variant already crawled counts again
                self._remember_variant(normal)
            self._seen.add(normal)
        self._queue = deque(item for item in self._queue if item.url not in self._done)

    async def seed(self, client: httpx.AsyncClient) -> None:
        """Fetch robots.txt of the start origins, queue the start URLs, then sitemap URLs.

        When robots.txt leaves no start URL to crawl, `blocked_reason` says why and nothing
        is queued. Raises UrlError when a start host may not be contacted.
        """
        if self.site.respect_robots:
            for start_origin in dict.fromkeys(origin(url) for url in self.site.start_urls):
                if start_origin not in self.robots:
                    policy = await fetch_robots(client, start_origin, self.site.user_agent,
                                                self.site)
                    self.use_robots(policy)
        for url in self.site.start_urls:
            self.add(url, 0, "start")
        if self.pending == 0 and self.refused["robots"]:
            blocking = [p for p in self.robots.values() if p.disallows_everything]
            self.blocked_reason = (
                blocking[0].describe()
                if blocking
                else "robots.txt disallows every start URL for the user-agent 'ecoaudit'."
            )
            return
        if self.site.sitemap:
            for url in await discover(client, self.site, self.robots):
                self.add(url, SITEMAP_DEPTH, "sitemap")

    # -- taking -----------------------------------------------------------------------------

    def next(self) -> QueuedUrl | None:
        """The next URL to measure (breadth first), or None when the queue is empty."""
        while self._queue:
            item = self._queue.popleft()
            if item.url in self._done:  # measured before `resume_from` was called
                self._refuse("duplicate", item.url)
                continue
            if not self._robots_allow(item.url):  # a policy may have arrived since `add`
                self._seen.discard(item.url)
                self._refuse("robots", item.url)
                continue
            self._in_progress.add(item.url)
            return item
        return None

    async def next_allowed(self, client: httpx.AsyncClient) -> QueuedUrl | None:
        """Like `next`, but fetches robots.txt first for an origin not seen yet.

        URLs of an origin that may not be contacted (private address) are refused as "robots".
        """
        while self._queue:
            head_origin = origin(self._queue[0].url)
            if self.site.respect_robots and head_origin not in self.robots:
                try:
                    policy = await fetch_robots(client, head_origin, self.site.user_agent,
                                                self.site)
                except UrlError as error:  # e.g. an allowed host resolving to a private address
                    policy = RobotsPolicy(origin=head_origin, status="refused", deny_all=True,
                                          reason=str(error))
                self.use_robots(policy)
            item = self.next()
            if item is not None or not self._queue:
                return item
        return None

    def mark_done(self, requested_url: str, final_url: str | None = None) -> bool:
        """Record a measured page; False when its final URL was already measured (a duplicate).

        Later `add`s of either URL are refused as duplicates.
        """
        ignored = self.site.ignored_query_parameters
        requested = _safe_normalise(requested_url, ignored) or requested_url
        final = _safe_normalise(final_url or requested_url, ignored) or requested
        self._in_progress.discard(requested)
        self._seen.update((requested, final))
        if final in self._done:
            return False
        self._done.add(final)
        return True

    # -- state ------------------------------------------------------------------------------

    def is_document(self, url: str) -> bool:
        """Whether the URL points to a document (by extension) rather than a page."""
        return is_document_url(url)

    def queued_items(self) -> list[QueuedUrl]:
        """The URLs waiting, in order, left in the queue (a queued run copies them to the
        shared frontier table)."""
        return list(self._queue)

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def in_progress(self) -> int:
        return len(self._in_progress)

    @property
    def done_count(self) -> int:
        return len(self._done)

    def summary(self) -> dict[str, Any]:
        """Counters for the run record: measured, pending, documents, refusals by reason."""
        return {
            "done": self.done_count,
            "pending": self.pending,
            "documents": len(self.documents),
            "refused": dict(self.refused),
            "blocked_reason": self.blocked_reason,
        }

    # -- helpers ----------------------------------------------------------------------------

    def _refuse(self, reason: str, url: str) -> bool:
        self.refused[reason] += 1
        samples = self.refused_samples.setdefault(reason, [])
        if len(samples) < SAMPLES_PER_REASON:
            samples.append(url)
        return False

    def _record_document(self, url: str, parent: str | None, link_text: str) -> bool:
        site = self.site
        if url in self._document_urls:
            return self._refuse("duplicate", url)
        if not self._robots_allow(url):
            return self._refuse("robots", url)
        if len(self.documents) >= site.max_documents:
            return self._refuse("document_limit", url)
        self._document_urls.add(url)
        self.documents.append(FoundDocument(url, parent, link_text.strip()))
        return False

    def _robots_allow(self, url: str) -> bool:
        if not self.site.respect_robots:
            return True
        policy = self.robots.get(origin(url))
        return policy is None or policy.allowed(url)

    def _too_many_variants(self, url: str) -> bool:
        parts = urlsplit(url)
        if not parts.query:
            return False
        variants = self._query_variants.get(_path_key(url), set())
        return len(variants) >= self.site.max_query_variants

    def _remember_variant(self, url: str) -> None:
        query = urlsplit(url).query
        if query:
            self._query_variants.setdefault(_path_key(url), set()).add(query)


def link_url_and_text(link: Any) -> tuple[str, str]:
    """(URL, text) of a link given as a Capture `Link`, a (url, text) pair or a URL."""
    if isinstance(link, str):
        return link, ""
    if isinstance(link, tuple):
        return link[0], link[1] or ""
    return link.url, getattr(link, "text", "") or ""


def _path_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _safe_normalise(url: str, ignored: Iterable[str]) -> str | None:
    try:
        return normalise(url, tuple(ignored))
    except UrlError:
        return None

