"""Reading the store for the reports, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from ecoaudit.config import parse_config
from ecoaudit.report import generate_reports
from ecoaudit.report.loader import load_sites
from store_samples import sample_capture, sample_co2, sample_findings


def _run(store, site: str, pages: list, status: str = "completed") -> int:
    run_id = store.start_run(site)
    for capture in pages:
        store.record_page(run_id, capture=capture, findings=sample_findings(), co2=sample_co2())
    if status != "running":
        store.finish_run(run_id, status)
    return run_id


def test_latest_run_comes_with_requests_earlier_runs_as_summaries(store):
    store.upsert_site("ville", title="Ville", group="own",
                      config={"page_views_per_year": 1000, "budgets": {"max_size_kb": 50}})
    _run(store, "ville", [sample_capture("/"), sample_capture("/b", error="timeout")])
    _run(store, "ville", [sample_capture("/", nodes=900),
                          sample_capture("/", nodes=100, consent="after")])
    _run(store, "ville", [sample_capture("/c")], status="running")  # not finished: left out
    (site,) = load_sites(store)
    assert (site.title, site.page_views_per_year, site.budgets) == ("Ville", 1000,
                                                                    {"max_size_kb": 50})
    assert len(site.runs) == 2
    first, latest = site.runs
    assert [p["url"] for p in first.pages] == ["http://127.0.0.1:8000/", "http://127.0.0.1:8000/b"]
    assert first.pages[0]["requests"] == [] and first.pages[1]["ecoindex"] is None
    # One entry per URL, the measurement before consent; with its requests.
    assert [p["ecoindex"]["nodes"] for p in latest.pages] == [900]
    assert len(latest.pages[0]["requests"]) == 3


def test_sites_toml_decides_what_was_removed_and_what_has_no_run(store, tmp_path):
    store.upsert_site("ancienne", title="Ancien site")
    _run(store, "ancienne", [sample_capture("/")])
    config = parse_config({"sites": [
        {"name": "nouvelle", "title": "Nouveau site", "start_urls": ["https://example.org/"]}]})
    sites = {site.name: site for site in load_sites(store, config)}
    assert sites["ancienne"].in_config is False and len(sites["ancienne"].runs) == 1
    assert sites["nouvelle"].in_config is True and sites["nouvelle"].runs == []
    written = generate_reports(store, tmp_path, config=config)
    assert set(written.sites) == {"ancienne", "nouvelle"}
    assert "retiré de sites.toml" in written.index.read_text(encoding="utf-8")
    assert "Accueil &lt;b&gt;Metz&lt;/b&gt;" in written.sites["ancienne"].read_text("utf-8")
