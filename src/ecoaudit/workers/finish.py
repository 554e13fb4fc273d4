"""The last step of a queued run, once no page is left: its documents, its journeys, the
site-scope rules, and how it ended (the same as a local crawl's end, crawl/engine.py)."""

from __future__ import annotations

import asyncio

from ecoaudit.crawl import documents
from ecoaudit.crawl.engine import final_status, play_site_journeys, record_site_findings
from ecoaudit.net.httpfetch import site_client
from ecoaudit.net.urls import politeness_key
from ecoaudit.store import Store
from ecoaudit.store.work_queue import LEASE_SECONDS, WorkQueue
from ecoaudit.workers.politeness import host_slot
from ecoaudit.workers.run_context import RunContext


async def finish_run(context: RunContext, store: Store, queue: WorkQueue, worker: str,
                     refused: dict[str, int]) -> tuple[str, str | None]:
    """Inspect the documents, play the journeys, judge the site, close the run."""
    run_id, site = context.run_id, context.site
    cancelled = await asyncio.to_thread(queue.cancelled_pages, run_id)
    failures: list[str] = []
    if not cancelled:
        await _inspect_documents(context, store, queue, worker)
        failures = await play_site_journeys(context.pipeline, site, context.devices,
                                            context.login.state)
    run = await asyncio.to_thread(store.run, run_id)
    done = (run["pages_ok"] or 0) + (run["pages_failed"] or 0)
    status, reason = final_status(done, run["pages_failed"] or 0, refused)
    if cancelled:
        status, reason = "interrupted", (f"cancelled: {cancelled} queued page(s) not measured"
                                         + (f"; {reason}" if reason else ""))
    reason = "; ".join(filter(None, [context.login.note(reason), context.login_failure,
                                     *failures])) or None
    if done:
        await asyncio.to_thread(record_site_findings, store, run_id, site, context.devices[0])
    await asyncio.to_thread(store.finish_run, run_id, status, reason)
    await asyncio.to_thread(queue.mark_finished, run_id)
    return status, reason


async def _inspect_documents(context: RunContext, store: Store, queue: WorkQueue,
                             worker: str) -> None:
    """The run's linked documents, sized without rendering, within the hosts' politeness."""
    found = await asyncio.to_thread(queue.documents, context.run_id)
    if not found:
        return
    async with site_client(context.site) as client:
        for document in found:
            async with host_slot(queue, politeness_key(document["url"]), worker,
                                 context.site.max_concurrency_per_host, LEASE_SECONDS):
                record = await documents.inspect(client, document["url"], document["found_on"],
                                                 document["link_text"], context.site)
            record.pop("size_source", None)
            url = record.pop("url")
            await asyncio.to_thread(store.record_document, context.run_id, url=url, **record)
            await asyncio.to_thread(queue.mark_document_done, document["id"])

