"""The repository API, on a real SQLite file and on a real PostgreSQL server (`store_url`)."""

from __future__ import annotations

import pytest

from ecoaudit.metrics import ecoindex
from ecoaudit.store import RunNotFound, Store
from store_samples import BASE, sample_capture, sample_co2, sample_findings


def start(store: Store, site: str = "metz") -> int:
    store.upsert_site(site, title="Ville de Metz", group="own", config={"url": BASE})
    return store.start_run(site, settings={"max_pages": 10}, protocol={"viewport_width": 1920},
                           browser_version="chromium 1.0")


def test_record_page_stores_ecoindex_findings_and_co2(store: Store) -> None:
    run_id = start(store)
    page_id = store.record_page(run_id, capture=sample_capture("/"), depth=1, source="sitemap",
                                findings=sample_findings(), co2=sample_co2())
    [page] = store.page_summaries(run_id)
    assert page["page_id"] == page_id
    assert (page["score"], page["grade"], page["ges"], page["water"]) == (84, "A", 1.32, 1.98)
    assert (page["nodes"], page["requests"], page["size_kb"]) == (300, 3, 100.0)
    assert (page["depth"], page["source"], page["consent_state"]) == (1, "sitemap", "none")
    assert page["measured_at"] == "2026-11-28T09:00:00+00:00"
    assert page["findings"] == sample_findings()
    assert page["co2"] == sample_co2()
    # Key order is kept too (PostgreSQL's JSONB would sort keys): exports read the same.
    assert list(page["findings"][0]) == list(sample_findings()[0])
    assert list(page["co2"]) == list(sample_co2())


def test_stored_capture_round_trips_exactly(store: Store) -> None:
    run_id = start(store)
    capture = sample_capture("/page")
    page_id = store.record_page(run_id, capture=capture)
    assert store.load_capture(page_id) == capture


def test_run_pages_are_json_document_entries_with_page_id(store: Store) -> None:
    run_id = start(store)
    page_id = store.record_page(run_id, capture=sample_capture("/"), findings=sample_findings(),
                                co2=sample_co2(), depth=2)
    [entry] = store.run_pages(run_id)
    assert entry["page_id"] == page_id and entry["depth"] == 2
    assert entry["ecoindex"] == ecoindex.compute(300, 3, 100.0).to_dict()
    assert [request["transfer_bytes"] for request in entry["requests"]] == [20_000, 5_000, 75_000]
    assert entry["title"] == "Accueil <b>Metz</b>"
    assert entry["findings"][0]["rule"] == "compress-text"


def test_recording_the_same_page_twice_does_not_duplicate_it(store: Store) -> None:
    run_id = start(store)
    first = store.record_page(run_id, capture=sample_capture("/", nodes=300),
                              findings=sample_findings())
    again = store.record_page(run_id, capture=sample_capture("/", nodes=1000), findings=[])
    assert first == again
    [page] = store.page_summaries(run_id)
    assert (page["score"], page["findings"]) == (61, [])
    assert store.run(run_id)["pages_ok"] == 1
    assert store.integrity_check()


def test_same_url_in_two_consent_states_is_two_pages(store: Store) -> None:
    run_id = start(store)
    store.record_page(run_id, capture=sample_capture("/", consent="before"))
    store.record_page(run_id, capture=sample_capture("/", consent="after", nodes=1000))
    assert store.measured_urls(run_id) == {(BASE + "/", "before"), (BASE + "/", "after")}


def test_failed_page_is_counted_and_has_no_score(store: Store) -> None:
    run_id = start(store)
    store.record_page(run_id, capture=sample_capture("/"))
    store.record_page(run_id, capture=sample_capture("/broken", error="HTTP 500"))
    store.finish_run(run_id, "completed")
    run = store.run(run_id)
    assert (run["pages_ok"], run["pages_failed"], run["score_mean"]) == (1, 1, 84.0)
    broken = [page for page in store.page_summaries(run_id) if page["error"]]
    assert broken[0]["score"] is None and broken[0]["error"] == "HTTP 500"


def test_page_is_committed_before_the_run_finishes(store: Store, store_url: str) -> None:
    run_id = start(store)
    store.record_page(run_id, capture=sample_capture("/first"))
    with Store.open(store_url) as other_connection:
        assert other_connection.measured_urls(run_id) == {(BASE + "/first", "none")}
        assert other_connection.run(run_id)["status"] == "running"


def test_resume_continues_an_interrupted_run(store: Store) -> None:
    run_id = start(store)
    store.record_page(run_id, capture=sample_capture("/a"))
    store.record_document(run_id, url=BASE + "/doc.pdf", status=200, size_bytes=1234)
    store.finish_run(run_id, "interrupted", reason="Ctrl-C")
    assert store.resumable_run("metz") == run_id
    assert store.measured_urls(run_id) == {(BASE + "/a", "none")}
    assert store.measured_documents(run_id) == {BASE + "/doc.pdf"}
    store.resume_run(run_id)
    store.record_page(run_id, capture=sample_capture("/b"))
    store.finish_run(run_id, "completed")
    run = store.run(run_id)
    assert (run["status"], run["reason"], run["resumed_count"], run["pages_ok"]) == (
        "completed", None, 1, 2)
    assert store.resumable_run("metz") is None


def test_a_run_crawled_by_this_live_process_is_resumable_only_by_it(store: Store) -> None:
    run_id = start(store)
    # The owner is this very process: a crashed crawl in the same process may resume it.
    assert store.resumable_run("metz") == run_id
    assert store.resumable_run("unknown-site") is None


def test_documents_are_stored_once_per_url(store: Store) -> None:
    run_id = start(store)
    store.record_document(run_id, url=BASE + "/d.pdf", status=200, content_type="application/pdf",
                          size_bytes=10, found_on=BASE + "/", link_text="Rapport")
    store.record_document(run_id, url=BASE + "/d.pdf", status=200, size_bytes=20)
    [document] = store.run_documents(run_id)
    assert document["size_bytes"] == 20 and document["link_text"] == "Rapport"
    assert store.run(run_id)["documents"] == 1
    with pytest.raises(TypeError):
        store.record_document(run_id, url=BASE + "/x.pdf", colour="blue")


def test_settings_and_site_config_are_stored_without_secrets(store: Store) -> None:
    store.upsert_site("metz", title="Metz", group="own",
                      config={"url": BASE, "auth": {"password": "hunter2"}, "cookies": ["a=b"]})
    run_id = store.start_run("metz", settings={"headers": {"Authorization": "Bearer x"},
                                               "api_token": "t", "max_pages": 5}, protocol={})
    assert store.run(run_id)["settings"] == {"headers": "[redacted]", "api_token": "[redacted]",
                                             "max_pages": 5}
    [site] = store.sites()
    assert site["config"] == {"url": BASE, "auth": "[redacted]", "cookies": "[redacted]"}


def test_upsert_site_updates_instead_of_duplicating(store: Store) -> None:
    first = store.upsert_site("metz", title="Old", group="own", config={})
    second = store.upsert_site("metz", title="New", group="benchmark", config={})
    assert first == second
    assert [(site["title"], site["group"]) for site in store.sites()] == [("New", "benchmark")]


def test_list_runs_newest_first_and_latest_completed(store: Store) -> None:
    older = start(store)
    store.finish_run(older, "completed")
    newer = start(store)
    store.finish_run(newer, "failed", reason="browser crashed")
    other_site = start(store, "eurometropole")
    assert [run["id"] for run in store.list_runs("metz")] == [newer, older]
    assert [run["id"] for run in store.list_runs()] == [other_site, newer, older]
    assert store.latest_run("metz")["id"] == older
    assert store.latest_run("metz", status=None)["id"] == newer
    assert store.find_run("latest", "metz")["id"] == older
    assert store.find_run(str(newer))["reason"] == "browser crashed"


def test_unknown_run_is_one_clear_sentence(store: Store) -> None:
    with pytest.raises(RunNotFound, match="There is no run 999"):
        store.run(999)
    start(store, "a")
    start(store, "b")
    with pytest.raises(RunNotFound, match="needs --site"):
        store.find_run("latest")
    with pytest.raises(RunNotFound, match="no completed run"):
        store.find_run("latest", "a")


def test_update_page_scores_replaces_findings_and_co2(store: Store) -> None:
    run_id = start(store)
    page_id = store.record_page(run_id, capture=sample_capture("/"), findings=sample_findings())
    store.update_page_scores(page_id, [{"rule": "plugins", "status": "fail", "value": 2}], None)
    [page] = store.page_summaries(run_id)
    assert page["findings"] == [{"rule": "plugins", "status": "fail", "value": 2}]
    assert page["co2"] is None


def test_findings_table_supports_sql_aggregates(store: Store) -> None:
    import sqlalchemy as sa

    from ecoaudit.store.models import Finding

    run_id = start(store)
    store.record_page(run_id, capture=sample_capture("/a"), findings=sample_findings())
    store.record_page(run_id, capture=sample_capture("/b"), findings=sample_findings())
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(Finding.rule, sa.func.count(), sa.func.sum(Finding.saving_bytes))
            .where(Finding.status == "fail").group_by(Finding.rule)
        ).all()
    assert [tuple(row) for row in rows] == [("compress-text", 2, 1200)]


def test_integrity_check_passes_on_a_sound_database(store: Store) -> None:
    run_id = start(store)
    store.record_page(run_id, capture=sample_capture("/"))
    store.finish_run(run_id, "completed")
    assert store.integrity_check() is True
