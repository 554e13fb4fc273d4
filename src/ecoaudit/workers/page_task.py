"""One page of a queued run, measured by a worker as a local crawl measures it (crawl/engine.py):
the same browser protocol, the same duplicate decisions, the same rows; what a local crawl keeps
in memory (what is queued, done, which HTML was seen, the host's turn) is read and written in the
shared database instead."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable

from ecoaudit.capture import Capture
from ecoaudit.crawl.dedup import CANONICAL, REDIRECT, SAME_CONTENT, canonical_duplicate
from ecoaudit.crawl.engine import (
    content_key,
    linked_file,
    not_a_page,
    variant_measurements,
)
from ecoaudit.measure import Pacing
from ecoaudit.net.urls import UrlError, normalise, politeness_key
from ecoaudit.store import Store
from ecoaudit.store.work_queue import LEASE_SECONDS, ClaimedUrl, Finished, NewUrl, WorkQueue
from ecoaudit.workers.frontier_rows import limits_of, new_url, screen_links
from ecoaudit.workers.politeness import host_slot, navigation_turn
from ecoaudit.workers.run_context import RunContext

log = logging.getLogger(__name__)


class PageTask:
    """Measure one claimed page of a run and record what became of it."""

    def __init__(self, context: RunContext, claimed: ClaimedUrl, store: Store,
                 queue: WorkQueue, worker: str) -> None:
        self.context = context
        self.item = claimed
        self.store = store
        self.queue = queue
        self.worker = worker
        self.host = politeness_key(claimed.url)

    async def run(self) -> Finished:
        """Measure, keep or set aside, queue the links; the run's state afterwards."""
        context, item = self.context, self.item
        if not await context.robots_allow(item.url):
            return await self._finish("refused", error="robots.txt disallows it")
        if context.login_failure:
            return await self._finish("failed", error=context.login_failure)
        async with self._host_slot():
            pacing = Pacing(navigation_turn=self._navigation_turn)
            captures = [await self._measure(state, pacing, context.devices[0])
                        for state in context.states]
        first = captures[0]
        if item.source != "start" and not_a_page(first):
            await self._record_linked_file(first)
            return await self._finish("done")
        duplicate = await self._duplicate_of(first)
        if duplicate is not None:
            return await self._set_aside(first, *duplicate)
        if first.ok and first.final_url and not context.site.in_scope(first.final_url):
            for capture in captures:
                capture.error = f"redirected out of the site's allowed hosts, to {first.final_url}"
        for capture in captures:
            await context.pipeline.keep(capture, depth=item.depth, source=item.source)
        if not first.ok:
            return await self._finish("failed", error=first.error)
        await self._measure_variants()
        return await self._finish("done", links=first.links)

    async def _measure(self, consent: str, pacing: Pacing, device: str) -> Capture:
        return await self.context.login.measure(self.context.pipeline, self.item.url,
                                                consent=consent, pacing=pacing, device=device)

    async def _measure_variants(self) -> None:
        """The page's other devices and samples, each in its own turn of the host."""
        context = self.context
        for sample, device, state in variant_measurements(context.site.repeat, context.devices,
                                                          context.states):
            async with self._host_slot():
                capture = await self._measure(
                    state, Pacing(navigation_turn=self._navigation_turn), device)
            await context.pipeline.keep(capture, depth=self.item.depth,
                                        source=self.item.source, sample=sample)

    async def _duplicate_of(self, capture: Capture) -> tuple[str, str] | None:
        """(page copied, reason) when this page copies another (the order of
        `SiteCrawl._duplicate_of`): a redirect to a page the run has, a canonical link to
        another page of the site, the HTML of a page already measured."""
        context, item = self.context, self.item
        final = _normal(capture.final_url, context.site.ignored_query_parameters)
        follow_canonical = True
        if final is not None:
            claim = await asyncio.to_thread(self.queue.claim_final_url, context.run_id,
                                            item.id, final, politeness_key(final))
            if claim == "taken":
                return final, REDIRECT
            follow_canonical = claim != "set_aside"
        canonical = canonical_duplicate(capture, context.site) if follow_canonical else None
        if canonical is not None and await asyncio.to_thread(
                self.queue.add_canonical, context.run_id,
                new_url(canonical, item.depth, CANONICAL, item.url), limits_of(context.site)):
            return canonical, CANONICAL
        key = content_key(capture)
        if key is None:
            return None
        earlier = await asyncio.to_thread(self.queue.claim_content, context.run_id, item.id,
                                          _digest(key))
        return (earlier, SAME_CONTENT) if earlier is not None else None

    async def _set_aside(self, capture: Capture, duplicate_of: str, reason: str) -> Finished:
        log.info("%s is a duplicate of %s (%s): set aside", self.item.url, duplicate_of, reason)
        await asyncio.to_thread(self.store.record_duplicate, self.context.run_id,
                                url=self.item.url, duplicate_of=duplicate_of, reason=reason)
        links = capture.links if reason == CANONICAL else []
        return await self._finish("duplicate", links=links)

    async def _record_linked_file(self, capture: Capture) -> None:
        """A link that led to a file, not a page: a document of the run."""
        await asyncio.to_thread(self.store.record_document, self.context.run_id,
                                **linked_file(self.item.url, self.item.parent, capture))

    async def _finish(self, state: str, *, error: str | None = None,
                      links: list | None = None) -> Finished:
        """Mark the page and queue its links (one level deeper, within the site's depth)."""
        context, item = self.context, self.item
        rows: list[NewUrl] = []
        refused: dict[str, int] = {}
        if links and item.depth < context.site.max_depth:
            rows, counted = screen_links(context.frontier, links, item.depth + 1, item.url)
            refused = dict(counted)
        return await asyncio.to_thread(
            self.queue.finish_page, context.run_id, item.id, state, error=error, links=rows,
            limits=limits_of(context.site), refused=refused)

    def _host_slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        """One of the host's `max_concurrency_per_host` slots, shared by every worker."""
        return host_slot(self.queue, self.host, self.worker,
                         self.context.site.max_concurrency_per_host, LEASE_SECONDS)

    async def _navigation_turn(self) -> Callable[[], None]:
        """The host's turn across workers: its delay runs from the start of the last
        navigation of any worker."""
        await navigation_turn(self.queue, self.host,
                              self.context.frontier.politeness.delay_for(self.host))
        return _nothing


def _nothing() -> None:
    """The `answered` of a navigation: nothing to release."""


def _normal(url: str | None, ignored) -> str | None:
    if not url:
        return None
    try:
        return normalise(url, tuple(ignored))
    except UrlError:
        return None


def _digest(key: tuple[str, str]) -> str:
    """One string for a (host, HTML digest) content key, for the frontier table."""
    return hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()
