"""Crawling one site: the frontier decides what to visit, the browser session measures, the store
keeps each page as soon as it is measured.

Pages are measured in parallel (one shared browser, a fresh context per page), within the site's
politeness limits: at most `max_concurrency_per_host` pages of a host open at once, and at least
`min_delay` (or robots.txt's Crawl-delay, whichever is larger) between two page starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from ecoaudit import __version__
from ecoaudit.capture import Capture
from ecoaudit.config import SiteConfig
from ecoaudit.crawl import documents
from ecoaudit.crawl.dedup import CANONICAL, REDIRECT, SAME_CONTENT, canonical_duplicate
from ecoaudit.crawl.frontier import Frontier, QueuedUrl
from ecoaudit.crawl.login import LoginState
from ecoaudit.measure import BrowserSession, MeasureOptions, Pacing
from ecoaudit.metrics import ecoindex
from ecoaudit.net.httpfetch import site_client
from ecoaudit.net.urls import UrlError, normalise, politeness_key
from ecoaudit.pipeline import PagePipeline
from ecoaudit.pipeline.journeys import run_journey
from ecoaudit.rules import evaluate_site
from ecoaudit.store import RunSink
from ecoaudit.store.run_sink import PageRecorder

log = logging.getLogger(__name__)



@dataclass
class CrawlProgress:
    """Live counters of a crawl, for progress bars and logs."""

    site: str
    done: int = 0
    failed: int = 0
    queued: int = 0
    documents: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def pages_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        return 60 * self.done / elapsed if elapsed > 0 else 0.0


@dataclass
class CrawlResult:
    """How a crawl ended."""

    site: str
    run_id: int
    status: str  # completed, interrupted, failed
    reason: str | None
    pages_ok: int
    pages_failed: int
    documents: int
    duplicates: int
    elapsed: float


ProgressCallback = Callable[[CrawlProgress], None]


class CrawlStore(PageRecorder, Protocol):
    """The store methods a crawl calls: a Store, or a Store wrapped in StopOnStorageFailure
    (store/stop_guard.py), whose guarded writes return None once a write has failed."""

    def upsert_site(self, name: str, *, title: str | None = None, group: str = "own",
                    config: dict | None = None) -> object: ...

    def start_run(self, site_name: str, *, settings: dict | None = None,
                  protocol: dict | None = None, tool_version: str | None = __version__,
                  formula_version: str | None = ecoindex.FORMULA_VERSION,
                  browser_version: str | None = None) -> int: ...

    def resumable_run(self, site_name: str) -> int | None: ...

    def resume_run(self, run_id: int) -> None: ...

    def finish_run(self, run_id: int, status: str, reason: str | None = None) -> object: ...

    def page_summaries(self, run_id: int) -> list[dict[str, Any]]: ...

    def load_capture(self, page_id: int) -> Capture: ...

    def measured_documents(self, run_id: int) -> set[str]: ...

    def record_site_findings(self, run_id: int, findings: list[dict]) -> object: ...

    def record_document(self, run_id: int, *, url: str, **fields: Any) -> object: ...

    def record_duplicate(self, run_id: int, *, url: str, duplicate_of: str,
                         reason: str) -> object: ...

    def run_duplicates(self, run_id: int) -> list[dict[str, Any]]: ...


def site_measure_options(site: SiteConfig, base: MeasureOptions,
                         timeout: float | None = None) -> MeasureOptions:
    """The measurement options for a site: the protocol of `base` plus the site's access.

    The page timeout is `timeout` when given, else the site's `page_timeout`.
    """
    options = dataclasses.replace(base)
    options.timeout = timeout if timeout is not None else site.page_timeout
    options.extra_headers = site.resolved_headers()
    start = site.start_urls[0]
    options.cookies = [
        {"name": name, "value": value, "url": f"{urlsplit(start).scheme}://{host}/"}
        for name, value in site.resolved_cookies().items()
        for host in site.allowed_hosts
    ]
    credentials = site.resolved_basic_auth()
    options.http_credentials = (
        {"username": credentials[0], "password": credentials[1]} if credentials else None
    )
    options.consent_selector = site.consent
    options.first_party_hosts = site.site_hosts
    options.allowed_hosts = list(site.allowed_hosts)
    options.allow_private = site.allow_private_addresses
    options.user_agent_token = site.user_agent
    options.devices = list(site.devices or [base.device])
    options.device = options.devices[0]
    return options


def run_settings(site: SiteConfig, concurrency: int, devices: list[str]) -> dict[str, Any]:
    """The settings a run records: how the site was crawled."""
    return {"max_pages": site.max_pages, "max_depth": site.max_depth,
            "concurrency": concurrency,
            "max_concurrency_per_host": site.max_concurrency_per_host,
            "min_delay": site.min_delay, "start_urls": site.start_urls,
            "consent": site.consent, "devices": devices, "repeat": site.repeat,
            "journeys": [journey.name for journey in site.journeys],
            "login": site.login.name if site.login else None}


class SiteCrawl:
    """One run of one site."""

    def __init__(self, site: SiteConfig, store: CrawlStore, session: BrowserSession, *,
                 concurrency: int, progress: ProgressCallback | None = None,
                 stop: asyncio.Event | None = None) -> None:
        self.site = site
        self.store = store
        self.session = session
        self.pipeline = PagePipeline(session, overrides=site.rules,
                                     first_party_hosts=site.site_hosts)  # sink: the run, once open
        self.concurrency = max(1, concurrency)
        self.frontier = Frontier(site)
        self.progress = CrawlProgress(site.name)
        self.on_progress = progress or (lambda _progress: None)
        self.stop = stop or asyncio.Event()
        self.run_id: int | None = None
        self.duplicates = 0
        self._active = 0
        self._changed = asyncio.Condition()
        self._states = ("before", "after") if site.consent else ("none",)
        self._documents_done: set[str] = set()  # inspected before an interruption
        self._page_with_content: dict[tuple[str, str], str] = {}  # (host, HTML digest) -> URL
        self.devices = site.devices or [session.options.device]
        self.login = LoginState(site, session, self.devices[0])
        self.journey_failures: list[str] = []

    async def run(self, *, resume: bool = False) -> CrawlResult:
        started = time.monotonic()
        self.run_id = run_id = await asyncio.to_thread(self._open_run, resume)
        self.pipeline.sink = RunSink(self.store, run_id)
        status, reason = "completed", None
        try:
            async with site_client(self.site) as client:
                await self.frontier.seed(client)
                if resume:
                    await self._restore_frontier()
                login_failure = None if self.frontier.blocked_reason else (
                    await self.login.start())
                if self.frontier.blocked_reason or login_failure:
                    status, reason = "failed", self.frontier.blocked_reason or login_failure
                else:
                    workers = [asyncio.create_task(self._worker(client))
                               for _ in range(self.concurrency)]
                    await asyncio.gather(*workers)
                    await self._inspect_documents(client)
                    await self._run_journeys()
                    if self.stop.is_set():
                        status, reason = "interrupted", "stopped before the end; resume with "\
                            "--resume"
            if status == "completed":
                status, reason = self._final_status()
            reason = "; ".join(filter(None, [self.login.note(reason),
                                             *self.journey_failures])) or None
            if self.progress.done:
                await self._record_site_findings()
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(
                self.store.finish_run, run_id, "interrupted",
                "interrupted (Ctrl-C or stop signal); resume with --resume"))
            raise
        except UrlError as error:
            status, reason = "failed", str(error)
        await asyncio.to_thread(self.store.finish_run, run_id, status, reason)
        return CrawlResult(
            site=self.site.name, run_id=run_id, status=status, reason=reason,
            pages_ok=self.progress.done - self.progress.failed,
            pages_failed=self.progress.failed, documents=self.progress.documents,
            duplicates=self.duplicates, elapsed=time.monotonic() - started,
        )

    @property
    def open_run_id(self) -> int:
        """The id of the run being crawled, once `run()` has opened it."""
        if self.run_id is None:
            raise RuntimeError(f"the run of {self.site.name} is not open yet")
        return self.run_id

    def _open_run(self, resume: bool) -> int:
        site = self.site
        self.store.upsert_site(site.name, title=site.title, group=site.group,
                               config=site.redacted())
        if resume:
            run_id = self.store.resumable_run(site.name)
            if run_id is not None:
                self.store.resume_run(run_id)
                log.info("Resuming run %s of %s", run_id, site.name)
                return run_id
            log.info("No interrupted run of %s to resume: starting a new run.", site.name)
        return self.store.start_run(
            site.name, settings=run_settings(site, self.concurrency, self.devices),
            protocol=self.session.protocol().__dict__,
            tool_version=__version__, formula_version=ecoindex.FORMULA_VERSION,
            browser_version=self.session.browser_version,
        )

    async def _crawled_pages(self) -> list[dict[str, Any]]:
        return await asyncio.to_thread(crawled_pages, self.store, self.open_run_id,
                                       self.devices[0])

    async def _restore_frontier(self) -> None:
        """Rebuild the queue of an interrupted run from the pages it already stored."""
        pages = await self._crawled_pages()
        done_urls = {page["url"] for page in pages}
        self.frontier.resume_from(done_urls | {p["final_url"] for p in pages if p["final_url"]})
        for page in pages:
            depth = page["depth"] or 0
            if (page["error"] is None and page["consent_state"] in ("none", "before")
                    and depth < self.site.max_depth):
                capture = await asyncio.to_thread(self.store.load_capture, page["page_id"])
                self.frontier.add_links(capture.links, depth + 1, capture.final_url)
                if (key := content_key(capture)) is not None and capture.final_url is not None:
                    self._page_with_content.setdefault(key, capture.final_url)
        await self._restore_duplicates()
        self.progress.done = len({page["url"] for page in pages})
        self.progress.failed = len({page["url"] for page in pages if page["error"]})
        self._documents_done = await asyncio.to_thread(self.store.measured_documents,
                                                       self.open_run_id)

    async def _restore_duplicates(self) -> None:
        """The URLs an interrupted run set aside are not visited again; the pages their canonical
        links named are queued again (at the deepest level: their depth is not stored), in case
        the interruption came before they were measured."""
        duplicates = await asyncio.to_thread(self.store.run_duplicates, self.open_run_id)
        self.frontier.resume_from(duplicate["url"] for duplicate in duplicates)
        self.duplicates = len(duplicates)
        for duplicate in duplicates:
            if duplicate["reason"] == CANONICAL:
                self.frontier.set_aside(duplicate["url"])
                self.frontier.add_canonical(duplicate["duplicate_of"], self.site.max_depth, None)

    async def _record_site_findings(self) -> None:
        await asyncio.to_thread(record_site_findings, self.store, self.open_run_id, self.site,
                                self.devices[0])

    def _final_status(self) -> tuple[str, str | None]:
        return final_status(self.progress.done, self.progress.failed, dict(self.frontier.refused))

    async def _worker(self, client) -> None:
        while not self.stop.is_set():
            item = await self._next(client)
            if item is None:
                return
            try:
                await self._visit(item)
            finally:
                async with self._changed:
                    self._active -= 1
                    self._changed.notify_all()

    async def _next(self, client) -> QueuedUrl | None:
        """The next URL, waiting while other pages may still add links; None when all is done."""
        async with self._changed:
            while True:
                if self.stop.is_set():
                    return None
                item = await self.frontier.next_allowed(client)
                if item is not None:
                    self._active += 1
                    return item
                if self._active == 0:
                    self._changed.notify_all()
                    return None
                await self._changed.wait()

    async def _visit(self, item: QueuedUrl) -> None:
        host = politeness_key(item.url)
        captures: list[Capture] = []
        politeness = self.frontier.politeness
        pacing = Pacing(navigation_turn=lambda: politeness.navigation_turn(host),
                        links_found=lambda links: self._queue_links(item, links))
        async with politeness.slot(host, pace=False):
            for state in self._states:
                captures.append(await self._measure(item.url, state, pacing, self.devices[0]))
        first = captures[0]
        if item.source != "start" and not_a_page(first):
            await self._record_linked_file(item, first)
            return
        duplicate = self._duplicate_of(item, first)
        if duplicate is not None:
            await self._set_aside(item, first, *duplicate)
            return
        if first.final_url is None:
            self.frontier.mark_done(item.url)
        elif first.ok and not self.site.in_scope(first.final_url):
            for capture in captures:
                capture.error = f"redirected out of the site's allowed hosts, to {first.final_url}"
        for capture in captures:
            await self.pipeline.keep(capture, depth=item.depth, source=item.source)
        if first.ok:
            await self._measure_variants(item, first.final_url or item.url)
        if first.ok:  # links that scripts added during the protocol's waits
            await self._queue_links(item, first.links)
        self.progress.done += 1
        self.progress.failed += 0 if first.ok else 1
        self.progress.queued = self.frontier.pending
        self.on_progress(self.progress)

    async def _measure(self, url: str, consent: str, pacing: Pacing, device: str) -> Capture:
        """One measurement, logged in when the site has a login (`LoginState.measure`)."""
        return await self.login.measure(self.pipeline, url, consent=consent, pacing=pacing,
                                        device=device)

    async def _measure_variants(self, item: QueuedUrl, url: str) -> None:
        """The page's other measurements: every other device profile, every other sample."""
        host = politeness_key(url)
        politeness = self.frontier.politeness
        pacing = Pacing(navigation_turn=lambda: politeness.navigation_turn(host))
        for sample, device, state in variant_measurements(self.site.repeat, self.devices,
                                                          self._states):
            if self.stop.is_set():
                return
            async with politeness.slot(host, pace=False):
                capture = await self._measure(item.url, state, pacing, device)
            await self.pipeline.keep(capture, depth=item.depth, source=item.source,
                                     sample=sample)

    async def _run_journeys(self) -> None:
        self.journey_failures += await play_site_journeys(
            self.pipeline, self.site, self.devices, self.login.state, self.stop)

    def _duplicate_of(self, item: QueuedUrl, capture: Capture) -> tuple[str, str] | None:
        """(the page it copies, the reason) when the page first measured at `item` is a copy of
        another page, to be set aside rather than kept; None to keep it. Records the page as
        visited in the frontier (`mark_done`), and a kept page's HTML for later comparisons.

        In order: a redirect to a page already measured; a canonical link to another page of the
        site (`dedup.canonical_duplicate`), queued if it is new; the HTML of a page already
        measured. A redirect to a page set aside for its canonical link is kept after all
        (its canonical leads back here), without looking at that link again."""
        final = capture.final_url
        follow_canonical = True
        if final and not self.frontier.mark_done(item.url, final):
            if not self.frontier.is_set_aside(final):
                return _normal(final, self.site.ignored_query_parameters), REDIRECT
            follow_canonical = False
        canonical = canonical_duplicate(capture, self.site) if follow_canonical else None
        if canonical is not None and self.frontier.add_canonical(canonical, item.depth, item.url):
            return canonical, CANONICAL
        earlier = self._same_content_as_earlier_page(capture)
        return (earlier, SAME_CONTENT) if earlier is not None else None

    async def _set_aside(self, item: QueuedUrl, capture: Capture, duplicate_of: str,
                         reason: str) -> None:
        """Record `item` as a duplicate of `duplicate_of` instead of keeping its measurement (nor
        measuring it in other devices or samples). A page set aside for its canonical link still
        gives its links: they may lead where the canonical page's do not."""
        self.duplicates += 1
        log.info("%s is a duplicate of %s (%s): set aside", item.url, duplicate_of, reason)
        await asyncio.to_thread(self.store.record_duplicate, self.open_run_id, url=item.url,
                                duplicate_of=duplicate_of, reason=reason)
        if reason == CANONICAL:  # both, for a canonical link that would lead back to either
            self.frontier.set_aside(item.url)
            self.frontier.set_aside(capture.final_url or item.url)
            async with self._changed:  # the canonical page may just have been queued
                self._changed.notify_all()
            await self._queue_links(item, capture.links)
        self.progress.queued = self.frontier.pending
        self.on_progress(self.progress)

    def _same_content_as_earlier_page(self, capture: Capture) -> str | None:
        """The final URL of a page already measured in this run on the same host whose HTML this
        page served byte for byte (`/` and `/index.html`, `/a` and `/a/`), else None: such a page
        is not recorded a second time, so that the site's figures count each page once."""
        key = content_key(capture)
        if key is None or capture.final_url is None:  # a key implies a final URL
            return None
        earlier = self._page_with_content.setdefault(key, capture.final_url)
        return None if earlier == capture.final_url else earlier

    async def _queue_links(self, item: QueuedUrl, links: list) -> None:
        """Queue a page's links (one level deeper) and wake the workers waiting for work."""
        if item.depth >= self.site.max_depth:
            return
        if self.frontier.add_links(links, item.depth + 1, item.url):
            async with self._changed:
                self._changed.notify_all()
        self.progress.queued = self.frontier.pending

    async def _record_linked_file(self, item: QueuedUrl, capture: Capture) -> None:
        """A link that led to a file, not a page (text, JSON, an image...): a document."""
        self.frontier.mark_done(item.url, capture.final_url)
        await asyncio.to_thread(self.store.record_document, self.open_run_id,
                                **linked_file(item.url, item.parent, capture))
        self.progress.documents += 1
        self.on_progress(self.progress)

    async def _inspect_documents(self, client) -> None:
        done = self._documents_done
        for found in self.frontier.documents:
            if self.stop.is_set():
                return
            if found.url in done:
                continue
            # Documents are asked for within the same politeness limits as pages.
            async with self.frontier.politeness.slot(politeness_key(found.url)):
                record = await documents.inspect(client, found.url, found.found_on,
                                                 found.link_text, self.site)
            record.pop("size_source", None)
            url = record.pop("url")
            await asyncio.to_thread(self.store.record_document, self.open_run_id, url=url, **record)
            self.progress.documents += 1
            self.on_progress(self.progress)


async def play_site_journeys(pipeline: PagePipeline, site: SiteConfig, devices: list[str],
                             storage_state: Any, stop: asyncio.Event | None = None) -> list[str]:
    """Play the site's journeys in every device profile, `repeat` times each; a sentence for
    each journey that stopped early."""
    failures: list[str] = []
    for journey in site.journeys:
        for sample in range(1, site.repeat + 1):
            for device in devices:
                if stop is not None and stop.is_set():
                    return failures
                played = await run_journey(pipeline, journey, device=device, sample=sample,
                                           storage_state=storage_state)
                if not played.ok:
                    log.warning("Journey %s (%s): %s", journey.name, device, played.result.error)
                    failures.append(f"journey {journey.name!r} ({device}) stopped: "
                                    f"{played.result.error}")
    return failures


def crawled_pages(store: CrawlStore, run_id: int, first_device: str) -> list[dict[str, Any]]:
    """The run's crawled pages as first measured: no journey step, no other device or sample
    of a page (those repeat a page, they do not add one)."""
    return [page for page in store.page_summaries(run_id) if not page.get("journey")
            and (page.get("sample") or 1) == 1
            and (page.get("device") or "desktop") == first_device]


def record_site_findings(store: CrawlStore, run_id: int, site: SiteConfig,
                         first_device: str) -> None:
    """Judge the site-scope rules on every measured page of the run (before consent)."""
    pages = [page for page in crawled_pages(store, run_id, first_device)
             if page["error"] is None and page["consent_state"] in ("none", "before")]
    captures = [store.load_capture(page["page_id"]) for page in pages]
    findings = evaluate_site(captures, overrides=site.rules, first_party_hosts=site.site_hosts)
    store.record_site_findings(run_id, [f.to_dict() for f in findings])


def final_status(done: int, failed: int, refused: dict[str, int]) -> tuple[str, str | None]:
    """How a run that went to its end ended: `done` pages visited, `failed` of them failed."""
    if done == 0:
        return "failed", f"no page could be crawled (refused URLs by reason: {refused})"
    if done - failed == 0:
        return "failed", f"every page failed ({failed} pages)"
    return "completed", None


def variant_measurements(repeat: int, devices: list[str],
                         states: tuple[str, ...]) -> Iterator[tuple[int, str, str]]:
    """(sample, device, consent state) of a page's other measurements: every sample in every
    device, but the first sample in the first device (the page's own measurement)."""
    for sample in range(1, repeat + 1):
        for device in devices:
            if (sample, device) != (1, devices[0]):
                for state in states:
                    yield sample, device, state


def linked_file(url: str, parent: str | None, capture: Capture) -> dict[str, Any]:
    """The document record of a link that led to a file, not a page (text, JSON, an image...)."""
    document = next((r for r in capture.requests if r.resource_type == "document"
                     and r.url == capture.final_url), None)
    size = (document.decoded_body_bytes or document.encoded_body_bytes) if document else None
    return {"url": url, "final_url": capture.final_url, "status": capture.status,
            "content_type": capture.content_type, "size_bytes": size, "found_on": parent,
            "link_text": None, "error": None}


def content_key(capture: Capture) -> tuple[str, str] | None:
    """(host, digest of the HTML) of a measured page; None when unknown."""
    if not capture.ok or not capture.document_sha256 or not capture.final_url:
        return None
    return politeness_key(capture.final_url), capture.document_sha256


def _normal(url: str, ignored: list[str]) -> str:
    """The URL as the frontier remembers it (as it is when it has no normal form)."""
    try:
        return normalise(url, ignored)
    except UrlError:
        return url


def not_a_page(capture: Capture) -> bool:
    """The URL answered 200 with something other than HTML."""
    content_type = (capture.content_type or "").lower()
    return capture.status == 200 and bool(content_type) and not content_type.startswith(
        "text/html")


async def crawl_sites(sites: list[SiteConfig], store: CrawlStore, base: MeasureOptions, *,
                      concurrency: int, resume: bool = False, timeout: float | None = None,
                      progress: ProgressCallback | None = None,
                      stop: asyncio.Event | None = None) -> list[CrawlResult]:
    """Crawl sites one after the other with one browser; each site is one run."""
    results: list[CrawlResult] = []
    for site in sites:
        site.check_secrets()
    async with BrowserSession(base) as session:
        for site in sites:
            session.options = site_measure_options(site, base, timeout)
            crawl = SiteCrawl(site, store, session, concurrency=concurrency,
                              progress=progress, stop=stop)
            results.append(await crawl.run(resume=resume))
            if stop is not None and stop.is_set():
                break
    return results
