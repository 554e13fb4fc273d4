"""The workers' shared work queue (store/work_queue.py) on a real SQLite file and a real
PostgreSQL server (`store_url`): runs, frontier, claims under leases, politeness across workers.
No browser, no broker; the concurrency cases run on PostgreSQL only."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ecoaudit.store import Store
from ecoaudit.store.models import FrontierUrl, HostLease, QueuedRun, Run, url_key, utc_now
from ecoaudit.store.work_queue import Limits, NewUrl, WorkQueue

BASE = "https://www.example.org"
ROOMY = Limits(max_pages=1000, max_documents=1000, max_query_variants=1000)
SPEC = {"name": "site", "url": BASE + "/", "max_pages": 50}
MEASURE = {"viewport_width": 1920, "timeout": 30}


@pytest.fixture
def queue(store: Store) -> WorkQueue:
    return WorkQueue(store.engine)


def open_run(store: Store, queue: WorkQueue, site: str = "site") -> int:
    run_id = store.start_run(site)
    queue.open_run(run_id, site_spec=SPEC, measure=MEASURE, tool_version="9.9.9",
                   catalogue="c" * 64)
    return run_id


def page(path: str, *, source: str = "link", depth: int = 1, parent: str | None = None,
         kind: str = "page", link_text: str = "") -> NewUrl:
    url = BASE + path
    bare = url.split("?", 1)[0]
    return NewUrl(url=url, depth=depth, source=source, host="www.example.org", parent=parent,
                  kind=kind, link_text=link_text, query="?" in url, path=bare)


def document(path: str, **kwargs) -> NewUrl:
    return page(path, kind="document", **kwargs)


def states(queue: WorkQueue, run_id: int) -> dict[str, str]:
    """URL path -> frontier state, for every row of the run."""
    with queue.engine.connect() as connection:
        rows = connection.execute(sa.select(FrontierUrl.url, FrontierUrl.state)
                                  .where(FrontierUrl.run_id == run_id)).all()
    return {url.removeprefix(BASE): state for url, state in rows}


def execute(queue: WorkQueue, statement) -> None:
    with queue.engine.begin() as connection:
        connection.execute(statement)


def scalar(queue: WorkQueue, statement):
    with queue.engine.connect() as connection:
        return connection.execute(statement).scalar()


def past(seconds: float = 60) -> object:
    return utc_now() - timedelta(seconds=seconds)


def claim_all(queue: WorkQueue, run_id: int, worker: str = "w1") -> list[str]:
    claimed = []
    while (item := queue.claim_page(run_id, worker, 30)) is not None:
        claimed.append(item.url.removeprefix(BASE))
    return claimed


# -- runs -------------------------------------------------------------------------------------


def test_open_run_round_trips_what_a_worker_needs(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    run = queue.queued_run(run_id)
    assert run == {"run_id": run_id, "site_spec": SPEC, "measure": MEASURE,
                   "tool_version": "9.9.9", "catalogue": "c" * 64, "state": "crawling",
                   "refused": {}, "problem": None}
    assert list(run["site_spec"]) == list(SPEC)  # key order kept
    assert queue.queued_run(run_id + 100) is None
    queue.note_problem(run_id, "worker too old")
    assert queue.queued_run(run_id)["problem"] == "worker too old"
    queue.note_problem(run_id, None)
    assert queue.queued_run(run_id)["problem"] is None


def test_begin_finish_once_mark_finished_and_open_runs(store: Store, queue: WorkQueue) -> None:
    first, second = open_run(store, queue), open_run(store, queue)
    assert queue.open_runs() == [(first, "crawling"), (second, "crawling")]
    assert queue.begin_finish(first) is True
    assert queue.begin_finish(first) is False
    assert queue.queued_run(first)["state"] == "finishing"
    assert queue.open_runs() == [(first, "finishing"), (second, "crawling")]
    queue.mark_finished(first)
    assert queue.queued_run(first)["state"] == "finished"
    assert queue.begin_finish(first) is False
    assert queue.open_runs() == [(second, "crawling")]


def test_fill_run_protocol_only_once(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.fill_run_protocol(run_id, {"viewport_width": 1920}, "chromium 131")
    queue.fill_run_protocol(run_id, {"viewport_width": 360}, "chromium 999")
    with store.engine.connect() as connection:
        protocol, browser = connection.execute(
            sa.select(Run.protocol, Run.browser_version).where(Run.id == run_id)).one()
    assert (protocol, browser) == ({"viewport_width": 1920}, "chromium 131")


# -- add_urls ---------------------------------------------------------------------------------


def test_add_urls_inserts_pages_and_documents(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queued = queue.add_urls(run_id, [page("/", source="start", depth=0), page("/a"),
                                     document("/doc.pdf", parent=BASE + "/", link_text="Doc")],
                            ROOMY)
    assert queued == 2  # pages only
    assert states(queue, run_id) == {"/": "queued", "/a": "queued", "/doc.pdf": "queued"}
    assert queue.queued_pages(run_id) == 2 and queue.open_pages(run_id) == 2
    [doc] = queue.documents(run_id)
    assert (doc["url"], doc["found_on"], doc["link_text"]) == (BASE + "/doc.pdf", BASE + "/",
                                                               "Doc")
    assert queue.queued_run(run_id)["refused"] == {}


def test_add_urls_refuses_duplicates_and_counts_refusals(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    assert queue.add_urls(run_id, [page("/"), page("/a"), page("/a")], ROOMY,
                          refused={"robots": 2}) == 2
    assert queue.queued_run(run_id)["refused"] == {"robots": 2, "duplicate": 1}
    assert queue.add_urls(run_id, [page("/"), page("/b"), document("/a")], ROOMY,
                          refused={"robots": 1, "scope": 3}) == 1
    assert queue.queued_run(run_id)["refused"] == {"robots": 3, "duplicate": 3, "scope": 3}
    assert sorted(states(queue, run_id)) == ["/", "/a", "/b"]


def test_add_urls_with_nothing_refused_leaves_counts(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    assert queue.add_urls(run_id, [], ROOMY, refused={"robots": 1}) == 0
    assert queue.add_urls(run_id, [page("/x")], ROOMY) == 1
    assert queue.queued_run(run_id)["refused"] == {"robots": 1}


def test_page_limit_exempts_start_urls(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    limits = Limits(max_pages=2, max_documents=10, max_query_variants=10)
    starts = [page(f"/start{index}", source="start", depth=0) for index in range(3)]
    assert queue.add_urls(run_id, starts, limits) == 3  # start URLs are always queued
    assert queue.add_urls(run_id, [page("/link1"), page("/link2")], limits) == 0
    assert queue.queued_run(run_id)["refused"] == {"page_limit": 2}

    other = open_run(store, queue)
    assert queue.add_urls(other, [page("/", source="start"), page("/1"), page("/2"),
                                  page("/3")], limits) == 2
    assert sorted(states(queue, other)) == ["/", "/1"]
    assert queue.queued_run(other)["refused"] == {"page_limit": 2}
    # Documents do not count against the page limit (and pages not against documents).
    assert queue.add_urls(other, [document("/d.pdf")], limits) == 0
    assert len(queue.documents(other)) == 1


def test_document_limit(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    limits = Limits(max_pages=10, max_documents=2, max_query_variants=10)
    assert queue.add_urls(run_id, [document(f"/d{index}.pdf") for index in range(3)]
                          + [page("/p")], limits) == 1
    assert queue.add_urls(run_id, [document("/d9.pdf")], limits) == 0
    assert [doc["url"] for doc in queue.documents(run_id)] == [BASE + "/d0.pdf",
                                                               BASE + "/d1.pdf"]
    assert queue.queued_run(run_id)["refused"] == {"document_limit": 2}


def test_query_variant_limit_is_per_path(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    limits = Limits(max_pages=100, max_documents=10, max_query_variants=2)
    urls = [page("/search"), page("/search?q=1"), page("/search?q=2"), page("/search?q=3"),
            page("/news?p=1"), page("/news?p=2")]
    assert queue.add_urls(run_id, urls, limits) == 5
    assert "/search?q=3" not in states(queue, run_id)
    assert queue.add_urls(run_id, [page("/search?q=4"), page("/news?p=3"),
                                   page("/news/other?p=1")], limits) == 1
    assert queue.queued_run(run_id)["refused"] == {"query_variants": 3}


# -- claims -----------------------------------------------------------------------------------


def test_claim_page_breadth_first_sets_attempts(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/", source="start", depth=0), page("/a"), page("/b"),
                            document("/d.pdf")], ROOMY)
    first = queue.claim_page(run_id, "w1", 30)
    assert first is not None
    assert (first.url, first.depth, first.source, first.attempts) == (BASE + "/", 0, "start", 1)
    assert first.run_id == run_id
    queue.add_urls(run_id, [page("/c", depth=2, parent=BASE + "/")], ROOMY)
    rest = claim_all(queue, run_id, "w2")
    assert rest == ["/a", "/b", "/c"]  # by insertion order; documents are never claimed
    assert queue.claim_page(run_id, "w1", 30) is None
    assert queue.page_state(first.id) == "claimed"
    assert scalar(queue, sa.select(FrontierUrl.claimed_by).where(
        FrontierUrl.id == first.id)) == "w1"
    assert queue.open_pages(run_id) == 4 and queue.queued_pages(run_id) == 0


def test_claim_page_of_another_run_or_empty_run(store: Store, queue: WorkQueue) -> None:
    run_id, other = open_run(store, queue), open_run(store, queue)
    assert queue.claim_page(run_id, "w1", 30) is None
    queue.add_urls(other, [page("/")], ROOMY)
    assert queue.claim_page(run_id, "w1", 30) is None
    assert queue.claim_page(other, "w1", 30) is not None


def test_expired_claim_is_claimed_again_live_one_is_not(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/a"), page("/b")], ROOMY)
    live = queue.claim_page(run_id, "alive", 30)
    dead = queue.claim_page(run_id, "dead", -1)  # lease already over
    assert (live.url, dead.url) == (BASE + "/a", BASE + "/b")
    again = queue.claim_page(run_id, "w2", 30)
    assert again is not None and again.id == dead.id and again.attempts == 2
    assert queue.claim_page(run_id, "w3", 30) is None  # both leases are live now
    # A lease that ends later (its worker died): claimable again.
    execute(queue, sa.update(FrontierUrl).where(FrontierUrl.id == live.id)
            .values(lease_until=past()))
    taken = queue.claim_page(run_id, "w3", 30)
    assert taken is not None and taken.id == live.id and taken.attempts == 2
    assert scalar(queue, sa.select(FrontierUrl.claimed_by).where(
        FrontierUrl.id == live.id)) == "w3"
    assert queue.claim_page(run_id, "w4", 30) is None


def test_done_page_is_never_claimed_again(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/a")], ROOMY)
    item = queue.claim_page(run_id, "w1", -1)
    queue.finish_page(run_id, item.id, "done")
    assert queue.claim_page(run_id, "w2", 30) is None
    assert queue.requeue_stalled(run_id) == 0


def test_renew_leases_only_this_workers(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/a"), page("/b")], ROOMY)
    mine = queue.claim_page(run_id, "me", 30)
    theirs = queue.claim_page(run_id, "them", 30)
    my_lease = queue.take_host_lease("h", "me", 5, 30)
    their_lease = queue.take_host_lease("h", "them", 5, 30)
    # Both workers fell silent; then "me" renews its claims.
    execute(queue, sa.update(FrontierUrl).values(lease_until=past()))
    execute(queue, sa.update(HostLease).values(expires_at=past()))
    queue.renew_leases("me", 60)
    assert queue.claim_page(run_id, "w3", 30).id == theirs.id  # theirs lapsed
    assert queue.claim_page(run_id, "w3", 30) is None  # mine renewed
    assert queue.page_state(mine.id) == "claimed"
    with queue.engine.connect() as connection:
        expiry = dict(connection.execute(sa.select(HostLease.id, HostLease.expires_at)).all())
    now = utc_now()
    assert expiry[my_lease] > now + timedelta(seconds=50)
    assert expiry[their_lease] < now
    assert queue.take_host_lease("h", "w3", 2, 30) is not None  # their slot is free again
    assert queue.take_host_lease("h", "w4", 2, 30) is None  # mine still holds one


def test_requeue_stalled_puts_back_expired_claims(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page(f"/{index}") for index in range(4)], ROOMY)
    stalled = [queue.claim_page(run_id, "dead", 30) for _ in range(2)]
    live = queue.claim_page(run_id, "alive", 30)
    assert queue.requeue_stalled(run_id) == 0
    execute(queue, sa.update(FrontierUrl).where(FrontierUrl.claimed_by == "dead")
            .values(lease_until=past()))
    assert queue.requeue_stalled(run_id) == 2
    assert queue.requeue_stalled(run_id) == 0
    assert queue.queued_pages(run_id) == 3
    assert {queue.page_state(item.id) for item in stalled} == {"queued"}
    assert queue.page_state(live.id) == "claimed"
    with queue.engine.connect() as connection:
        rows = connection.execute(sa.select(FrontierUrl.claimed_by, FrontierUrl.lease_until)
                                  .where(FrontierUrl.id.in_([item.id for item in stalled])))
        assert set(rows) == {(None, None)}
    assert [queue.claim_page(run_id, "w", 30).id for _ in range(2)] == [
        stalled[0].id, stalled[1].id]


def test_touch_stalled_once_per_idle_period(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    assert queue.touch_stalled(run_id, 60) is False  # just opened: active
    execute(queue, sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
            .values(active_at=past(120)))
    assert queue.touch_stalled(run_id, 60) is True
    assert queue.touch_stalled(run_id, 60) is False
    execute(queue, sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
            .values(active_at=past(120)))
    queue.add_urls(run_id, [page("/a")], ROOMY)
    queue.claim_page(run_id, "w", 30)  # a claim is activity
    assert queue.touch_stalled(run_id, 60) is False


def test_retry_failed_requeues_and_reopens_the_run(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/a"), page("/b"), page("/c")], ROOMY)
    assert queue.retry_failed(run_id) == 0
    a, b, c = (queue.claim_page(run_id, "w", 30) for _ in range(3))
    queue.finish_page(run_id, a.id, "failed", error="HTTP 500")
    queue.finish_page(run_id, b.id, "done")
    queue.finish_page(run_id, c.id, "failed", error="timeout")
    assert queue.begin_finish(run_id)
    queue.mark_finished(run_id)
    store.finish_run(run_id, "completed")

    assert queue.retry_failed(run_id) == 2
    assert queue.queued_run(run_id)["state"] == "crawling"
    assert store.run(run_id)["status"] == "running"
    assert (run_id, "crawling") in queue.open_runs()
    again = queue.claim_page(run_id, "w", 30)
    assert (again.id, again.attempts) == (a.id, 1)
    assert scalar(queue, sa.select(FrontierUrl.error).where(FrontierUrl.id == c.id)) is None
    assert queue.page_state(b.id) == "done"
    assert queue.retry_failed(run_id) == 0


# -- redirects, canonical links, same content -------------------------------------------------


def test_claim_final_url_new_url_is_mine_and_blocks_it(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/old")], ROOMY)
    item = queue.claim_page(run_id, "w", 30)
    assert queue.claim_final_url(run_id, item.id, BASE + "/new", "www.example.org") == "mine"
    assert states(queue, run_id) == {"/old": "claimed", "/new": "redirect"}
    assert queue.add_urls(run_id, [page("/new")], ROOMY) == 0
    assert queue.queued_run(run_id)["refused"] == {"duplicate": 1}
    assert queue.claim_page(run_id, "w2", 30) is None
    # The page's own URL (a redirect to itself after a cookie, say) is its own.
    assert queue.claim_final_url(run_id, item.id, BASE + "/old", "www.example.org") == "mine"
    # Another page landing on /new: /new already stands for another page.
    queue.add_urls(run_id, [page("/older")], ROOMY)
    other = queue.claim_page(run_id, "w2", 30)
    assert queue.claim_final_url(run_id, other.id, BASE + "/new", "www.example.org") == "taken"


def test_claim_final_url_that_was_queued(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/old"), page("/new")], ROOMY)
    item = queue.claim_page(run_id, "w", 30)
    assert queue.claim_final_url(run_id, item.id, BASE + "/new", "www.example.org") == "mine"
    assert states(queue, run_id) == {"/old": "claimed", "/new": "redirect"}
    assert queue.claim_page(run_id, "w2", 30) is None
    assert queue.finish_page(run_id, item.id, "done").run_complete is True


def test_claim_final_url_taken_by_a_claimed_or_done_page(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/new"), page("/old"), page("/other")], ROOMY)
    new, old, other = (queue.claim_page(run_id, "w", 30) for _ in range(3))
    assert queue.claim_final_url(run_id, old.id, new.url, "www.example.org") == "taken"
    queue.finish_page(run_id, new.id, "done")
    assert queue.claim_final_url(run_id, other.id, new.url, "www.example.org") == "taken"
    assert queue.page_state(new.id) == "done"


def test_claim_final_url_set_aside_duplicate(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/copy"), page("/old")], ROOMY)
    copy, old = queue.claim_page(run_id, "w", 30), queue.claim_page(run_id, "w", 30)
    queue.finish_page(run_id, copy.id, "duplicate")
    assert queue.claim_final_url(run_id, old.id, copy.url, "www.example.org") == "set_aside"
    assert queue.page_state(copy.id) == "duplicate"


def test_add_canonical(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    limits = Limits(max_pages=3, max_documents=1, max_query_variants=1)
    queue.add_urls(run_id, [page("/", source="start"), page("/dup"), page("/robots")], ROOMY)
    first, dup, robots = (queue.claim_page(run_id, "w", 30) for _ in range(3))
    queue.finish_page(run_id, first.id, "done")
    queue.finish_page(run_id, dup.id, "duplicate")
    queue.finish_page(run_id, robots.id, "refused", error="robots.txt disallows it")

    assert queue.add_canonical(run_id, page("/", source="canonical"), limits) is True  # done
    assert queue.add_canonical(run_id, page("/dup", source="canonical"), limits) is False
    assert queue.add_canonical(run_id, page("/robots", source="canonical"), limits) is False
    # A new page: queued, unless the page limit (3 rows already) refuses it.
    assert queue.add_canonical(run_id, page("/canon", source="canonical"), limits) is False
    assert "/canon" not in states(queue, run_id)
    assert queue.queued_run(run_id)["refused"] == {"page_limit": 1}
    assert queue.add_canonical(run_id, page("/canon", source="canonical"), ROOMY) is True
    assert states(queue, run_id)["/canon"] == "queued"
    assert queue.add_canonical(run_id, page("/canon", source="canonical"), ROOMY) is True
    assert queue.claim_page(run_id, "w", 30).url == BASE + "/canon"


def test_add_canonical_refused_by_the_query_variant_limit(store: Store,
                                                         queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    limits = Limits(max_pages=10, max_documents=1, max_query_variants=1)
    queue.add_urls(run_id, [page("/list?page=1")], limits)
    assert queue.add_canonical(run_id, page("/list?page=2", source="canonical"), limits) is False
    assert queue.queued_run(run_id)["refused"] == {"query_variants": 1}


def test_claim_content(store: Store, queue: WorkQueue) -> None:
    run_id, other_run = open_run(store, queue), open_run(store, queue)
    queue.add_urls(run_id, [page("/a"), page("/b"), page("/c")], ROOMY)
    queue.add_urls(other_run, [page("/a")], ROOMY)
    a, b, c = (queue.claim_page(run_id, "w", 30) for _ in range(3))
    other = queue.claim_page(other_run, "w", 30)
    assert queue.claim_content(run_id, a.id, "k1") is None
    assert queue.claim_content(run_id, a.id, "k1") is None  # asked again: still its own
    assert queue.claim_content(run_id, b.id, "k1") == BASE + "/a"
    assert queue.claim_content(run_id, c.id, "k2") is None
    assert queue.claim_content(other_run, other.id, "k1") is None  # per run
    assert scalar(queue, sa.select(FrontierUrl.content_key).where(
        FrontierUrl.id == b.id)) is None


# -- finishing pages and runs -----------------------------------------------------------------


def test_finish_page_marks_it_and_queues_links(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    limits = Limits(max_pages=3, max_documents=1, max_query_variants=5)
    queue.add_urls(run_id, [page("/", source="start", depth=0)], limits)
    home = queue.claim_page(run_id, "w", 30)
    links = [page("/a", parent=home.url), page("/b", parent=home.url), page("/c"),
             page("/"), document("/d.pdf", parent=home.url), document("/e.pdf")]
    finished = queue.finish_page(run_id, home.id, "done", links=links, limits=limits,
                                 refused={"scope": 4})
    assert (finished.queued, finished.run_complete) == (2, False)
    assert queue.page_state(home.id) == "done"
    assert queue.queued_run(run_id)["refused"] == {
        "scope": 4, "page_limit": 1, "duplicate": 1, "document_limit": 1}
    with queue.engine.connect() as connection:
        done_at, lease = connection.execute(sa.select(FrontierUrl.done_at,
                                                      FrontierUrl.lease_until)
                                            .where(FrontierUrl.id == home.id)).one()
    assert done_at is not None and lease is None

    a = queue.claim_page(run_id, "w", 30)
    assert (a.url, a.parent) == (BASE + "/a", BASE + "/")
    b = queue.claim_page(run_id, "w", 30)
    assert queue.finish_page(run_id, a.id, "failed", error="HTTP 500").run_complete is False
    with queue.engine.connect() as connection:
        assert connection.execute(sa.select(FrontierUrl.error).where(
            FrontierUrl.id == a.id)).scalar() == "HTTP 500"
    assert queue.page_state(a.id) == "failed"
    # The last open page: the run is complete (documents do not count).
    assert queue.finish_page(run_id, b.id, "done").run_complete is True
    assert len(queue.documents(run_id)) == 1


def test_run_complete_waits_for_claimed_and_queued_pages(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/a"), page("/b"), page("/c")], ROOMY)
    a, b = queue.claim_page(run_id, "w", 30), queue.claim_page(run_id, "w", 30)
    assert queue.finish_page(run_id, a.id, "done").run_complete is False  # b claimed, c queued
    c = queue.claim_page(run_id, "w", 30)
    assert queue.finish_page(run_id, c.id, "done").run_complete is False  # b claimed
    # b's last link is queued by the page itself: not complete either.
    finished = queue.finish_page(run_id, b.id, "done", links=[page("/d")], limits=ROOMY)
    assert (finished.queued, finished.run_complete) == (1, False)
    d = queue.claim_page(run_id, "w", 30)
    assert queue.finish_page(run_id, d.id, "duplicate").run_complete is True
    assert queue.begin_finish(run_id) is True and queue.begin_finish(run_id) is False


def test_documents_and_mark_document_done(store: Store, queue: WorkQueue) -> None:
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [document("/b.pdf", parent=BASE + "/p", link_text="B"),
                            document("/a.docx"), page("/p")], ROOMY)
    docs = queue.documents(run_id)
    assert [(doc["url"], doc["found_on"], doc["link_text"]) for doc in docs] == [
        (BASE + "/b.pdf", BASE + "/p", "B"), (BASE + "/a.docx", None, "")]
    queue.mark_document_done(docs[0]["id"])
    assert [doc["url"] for doc in queue.documents(run_id)] == [BASE + "/a.docx"]
    assert states(queue, run_id)["/b.pdf"] == "done"
    assert queue.open_pages(run_id) == 1


# -- politeness across workers ----------------------------------------------------------------


def test_host_leases_cap_each_host(store: Store, queue: WorkQueue) -> None:
    first = queue.take_host_lease("a.example", "w1", 2, 30)
    second = queue.take_host_lease("a.example", "w2", 2, 30)
    assert first is not None and second is not None and first != second
    assert queue.take_host_lease("a.example", "w3", 2, 30) is None
    assert queue.take_host_lease("b.example", "w3", 2, 30) is not None  # another host
    queue.release_host_lease(first)
    third = queue.take_host_lease("a.example", "w3", 2, 30)
    assert third is not None
    assert queue.take_host_lease("a.example", "w4", 2, 30) is None


def test_expired_host_lease_frees_its_slot(store: Store, queue: WorkQueue) -> None:
    assert queue.take_host_lease("a.example", "dead", 1, -1) is not None
    live = queue.take_host_lease("a.example", "w1", 1, 30)
    assert live is not None
    assert queue.take_host_lease("a.example", "w2", 1, 30) is None
    execute(queue, sa.update(HostLease).where(HostLease.id == live)
            .values(expires_at=past()))
    assert queue.take_host_lease("a.example", "w2", 1, 30) is not None
    assert scalar(queue, sa.select(sa.func.count()).select_from(HostLease)) == 1


def test_navigation_turn_spaces_navigations(store: Store, queue: WorkQueue) -> None:
    delay = 0.3
    assert queue.navigation_turn("a.example", delay) == 0
    wait = queue.navigation_turn("a.example", delay)
    assert 0 < wait <= delay
    assert queue.navigation_turn("b.example", delay) == 0  # per host
    time.sleep(wait + 0.02)
    assert queue.navigation_turn("a.example", delay) == 0
    assert 0 < queue.navigation_turn("a.example", delay) <= delay


# -- what stands where ------------------------------------------------------------------------


def test_overview_counts_pages_and_position(store: Store, queue: WorkQueue) -> None:
    older, newer = open_run(store, queue, "older"), open_run(store, queue, "newer")
    queue.add_urls(older, [page(f"/{index}") for index in range(5)], ROOMY)
    queue.add_urls(newer, [page(f"/{index}") for index in range(3)]
                   + [document("/d.pdf")], ROOMY)
    done = queue.claim_page(older, "w", 30)
    queue.finish_page(older, done.id, "done")
    failed = queue.claim_page(older, "w", 30)
    queue.finish_page(older, failed.id, "failed", error="boom")
    queue.claim_page(older, "w", 30)
    queue.claim_page(newer, "w", 30)
    queue.note_problem(newer, "no worker of version 9.9.9")

    first, second = queue.overview()
    assert (first["run_id"], first["site"], first["state"], first["status"]) == (
        older, "older", "crawling", "running")
    assert first["pages"] == {"queued": 2, "claimed": 1, "done": 1, "failed": 1}
    assert first["ahead"] == 0
    assert (second["run_id"], second["site"], second["problem"]) == (
        newer, "newer", "no worker of version 9.9.9")
    assert second["pages"] == {"queued": 2, "claimed": 1, "done": 0, "failed": 0}
    assert second["ahead"] == 2  # the older run's queued pages
    assert first["queued_at"] is not None and first["queued_at"] <= second["queued_at"]

    # A run no longer crawling is not ahead of anyone.
    assert queue.begin_finish(older)
    first, second = queue.overview()
    assert (first["state"], first["ahead"], second["ahead"]) == ("finishing", 0, 0)


# -- concurrency (PostgreSQL: SQLite is for one process) --------------------------------------


def needs_postgres(store_url: str) -> None:
    if store_url.startswith("sqlite"):
        pytest.skip("concurrent workers need PostgreSQL (SQLite serves one process)")


def in_threads(count: int, action) -> list:
    barrier = threading.Barrier(count)

    def run(index: int):
        barrier.wait(timeout=10)
        return action(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_claims_never_share_a_page(store_url: str, store: Store,
                                              queue: WorkQueue) -> None:
    needs_postgres(store_url)
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page(f"/{index}") for index in range(50)], ROOMY)
    claims = in_threads(8, lambda index: claim_all(queue, run_id, f"w{index}"))
    counts = Counter(url for claimed in claims for url in claimed)
    assert sorted(counts) == sorted(f"/{index}" for index in range(50))
    assert set(counts.values()) == {1}
    assert sum(1 for claimed in claims if claimed) > 1  # the threads did share the work
    assert queue.queued_pages(run_id) == 0 and queue.open_pages(run_id) == 50


def test_concurrent_adds_keep_the_limits(store_url: str, store: Store,
                                         queue: WorkQueue) -> None:
    needs_postgres(store_url)
    run_id = open_run(store, queue)
    limits = Limits(max_pages=20, max_documents=100, max_query_variants=3)

    def add(index: int) -> int:
        links = [page(f"/w{index}/{number}") for number in range(5)]
        links += [page("/same"), page(f"/search?worker={index}")]
        return queue.add_urls(run_id, links, limits)

    assert sum(in_threads(8, add)) == 20
    rows = states(queue, run_id)
    assert len(rows) == 20 and "/same" in rows
    assert sum(1 for url in rows if url.startswith("/search?")) <= 3
    refused = queue.queued_run(run_id)["refused"]
    assert sum(refused.values()) == 8 * 7 - 20


def test_concurrent_finishes_complete_the_run_once(store_url: str, store: Store,
                                                   queue: WorkQueue) -> None:
    needs_postgres(store_url)
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page(f"/{index}") for index in range(8)], ROOMY)
    claimed = [queue.claim_page(run_id, "w", 30) for _ in range(8)]
    finished = in_threads(8, lambda index: queue.finish_page(run_id, claimed[index].id, "done"))
    assert sum(1 for result in finished if result.run_complete) == 1
    assert sum(in_threads(8, lambda _index: queue.begin_finish(run_id))) == 1


def test_concurrent_host_leases_and_turns(store_url: str, store: Store,
                                          queue: WorkQueue) -> None:
    needs_postgres(store_url)
    leases = in_threads(8, lambda index: queue.take_host_lease("new.example", f"w{index}", 2,
                                                               30))
    assert sum(1 for lease in leases if lease is not None) == 2
    turns = in_threads(8, lambda _index: queue.navigation_turn("fresh.example", 5))
    assert sorted(turns)[0] == 0 and sum(1 for turn in turns if turn == 0) == 1


def wait_for_a_lock_wait(queue: WorkQueue) -> None:
    """Until a session of this database waits for a lock (PostgreSQL)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = scalar(queue, sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"))
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("no session waited for the other transaction")


def test_two_redirects_to_the_same_new_url_at_once(store_url: str, store: Store,
                                                    queue: WorkQueue) -> None:
    """Another worker's page lands on the same new URL a moment before (its row not committed
    yet): this page's claim waits for it, then finds the URL taken, and does not fail."""
    needs_postgres(store_url)
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/one"), page("/two")], ROOMY)
    one, two = queue.claim_page(run_id, "w1", 30), queue.claim_page(run_id, "w2", 30)
    with queue.engine.connect() as other_worker:
        transaction = other_worker.begin()
        other_worker.execute(sa.insert(FrontierUrl).values(
            run_id=run_id, url=BASE + "/new", url_key=url_key(BASE + "/new"), kind="page",
            source="redirect", host="www.example.org", state="redirect"))
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(queue.claim_final_url, run_id, two.id, BASE + "/new",
                                 "www.example.org")
            wait_for_a_lock_wait(queue)
            assert not answer.done()  # waiting for the other transaction
            transaction.commit()
            assert answer.result(timeout=10) == "taken"
    assert one.id != two.id


def test_links_to_a_new_url_another_worker_is_recording(store_url: str, store: Store,
                                                         queue: WorkQueue) -> None:
    """A page's link names the final URL another worker's redirect is recording right now (not
    committed yet): the link is a duplicate once that commits, and the page still finishes."""
    needs_postgres(store_url)
    run_id = open_run(store, queue)
    queue.add_urls(run_id, [page("/one")], ROOMY)
    one = queue.claim_page(run_id, "w1", 30)
    with queue.engine.connect() as other_worker:
        transaction = other_worker.begin()
        other_worker.execute(sa.insert(FrontierUrl).values(
            run_id=run_id, url=BASE + "/new", url_key=url_key(BASE + "/new"), kind="page",
            source="redirect", host="www.example.org", state="redirect"))
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(queue.finish_page, run_id, one.id, "done",
                                 links=[page("/new"), page("/x")], limits=ROOMY)
            wait_for_a_lock_wait(queue)
            assert not answer.done()  # waiting for the other transaction
            transaction.commit()
            finished = answer.result(timeout=10)
    assert (finished.queued, finished.run_complete) == (1, False)
    assert states(queue, run_id) == {"/one": "done", "/new": "redirect", "/x": "queued"}
    assert queue.queued_run(run_id)["refused"] == {"duplicate": 1}
