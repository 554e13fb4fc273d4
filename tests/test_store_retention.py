"""Retention (`ecoaudit db prune`, `keep_captures` / `keep_runs`): old captures and evidence go,
every page's figures and findings summary stay, the reports' trends do not move, the space freed
is reported. On a real SQLite file and on the real PostgreSQL server (`store_url`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ecoaudit.report.loader import load_sites
from ecoaudit.report.render import render_reports
from ecoaudit.store import Store
from ecoaudit.store.durations import Duration, parse_duration
from ecoaudit.store.errors import CapturesPruned, InvalidDuration
from ecoaudit.store.health import check_database
from ecoaudit.store.models import Run, StoredCapture
from ecoaudit.store.retention import prune, strip_evidence
from store_damage_samples import fingerprint
from store_samples import BASE, sample_capture, sample_co2, sample_findings
from test_store_damage import assert_one_sentence, run_main

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
SITE_FINDINGS = [{"rule": "site-static-hosts", "status": "warn", "severity": "minor",
                  "rgesn": [], "value": 2, "threshold": 1, "saving_bytes": 0, "reason": None,
                  "evidence": [{"url": BASE + "/a.js", "bytes": 10, "saving_bytes": None,
                                "detail": "cdn"}]}]
# (site, label, age in days, status): the history the tests prune.
HISTORY = [
    ("metz", "six_years", 6 * 365 + 2, "completed"),
    ("metz", "stale_running", 400, "running"),
    ("metz", "one_year", 365, "completed"),
    ("metz", "two_hundred_days", 200, "failed"),
    ("metz", "hundred_days", 100, "completed"),
    ("metz", "ten_days", 10, "completed"),
    ("dormant", "dormant_old", 400, "completed"),
    ("dormant", "dormant_completed", 300, "completed"),
    ("dormant", "dormant_failed", 200, "failed"),
    ("gone", "seven_years", 7 * 365, "completed"),
]
PRUNED = {"one_year", "two_hundred_days", "hundred_days", "dormant_old"}
DELETED = {"six_years"}


def fill_history(store: Store, now: datetime = NOW) -> dict[str, int]:
    """Every run of HISTORY with three pages (one failed), a document and site findings, each
    started its number of days before `now`."""
    ids = {}
    for site, label, days, status in HISTORY:
        run_id = store.start_run(site, settings={}, protocol={})
        for number, path in enumerate(("/", "/a", "/b")):
            error = "HTTP 500" if number == 2 else None
            store.record_page(run_id, capture=sample_capture(path, nodes=300 + days + number,
                                                             error=error),
                              findings=sample_findings(), co2=sample_co2())
        store.record_document(run_id, url=BASE + "/rapport.pdf", status=200, size_bytes=99)
        store.record_site_findings(run_id, SITE_FINDINGS)
        if status != "running":
            store.finish_run(run_id, status, None if status == "completed" else "boom")
        with store.engine.begin() as connection:
            connection.execute(sa.update(Run).where(Run.id == run_id)
                               .values(started_at=now - timedelta(days=days)))
        ids[label] = run_id
    return ids


def same_report(path: Path) -> bytes:
    """A report file with its SVG ids (numbered by a counter of the process) made equal."""
    return re.sub(rb"\bc\d+([td])\b", rb"cN\1", path.read_bytes())


def without_evidence(findings: list[dict]) -> list[dict]:
    return [{key: value for key, value in finding.items() if key != "evidence"}
            for finding in findings]


def test_durations_parse_in_days_weeks_calendar_months_and_years() -> None:
    leap_day = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert parse_duration("90d", "x") == Duration(90, "days")
    assert parse_duration(" 12 Weeks ", "x").cutoff(leap_day) == leap_day - timedelta(weeks=12)
    assert parse_duration("1y", "x").cutoff(leap_day) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert parse_duration("1m", "x").cutoff(datetime(2026, 3, 31, tzinfo=UTC)) == datetime(
        2026, 2, 28, tzinfo=UTC)
    assert str(parse_duration("5y", "x")) == "5 years"
    for bad in ("90", "90x", "d90", "-3d", "0d", "1.5y", "", "forever", "99999y"):
        with pytest.raises(InvalidDuration, match="--keep-captures"):
            parse_duration(bad, "--keep-captures")


def test_strip_evidence_keeps_every_other_key() -> None:
    findings = sample_findings()
    stripped, removed = strip_evidence(findings)
    assert removed > 0 and all(finding["evidence"] == [] for finding in stripped)
    assert without_evidence(stripped) == without_evidence(findings)
    assert findings == sample_findings()  # the input is not changed


def test_prune_drops_old_captures_and_evidence_and_keeps_every_figure(store: Store) -> None:
    ids = fill_history(store)
    before = {label: store.page_summaries(run_id) for label, run_id in ids.items()}
    runs_before = {run["id"]: run for run in store.list_runs()}
    dry = prune(store, keep_captures=parse_duration("90d", "x"),
                keep_runs=parse_duration("5y", "x"), dry_run=True, now=NOW)
    assert {label: store.page_summaries(run_id) for label, run_id in ids.items()} == before

    result = prune(store, keep_captures=parse_duration("90d", "x"),
                   keep_runs=parse_duration("5y", "x"), now=NOW)
    for counted in (dry, result):
        assert (counted.runs_deleted, counted.pages_deleted) == (1, 3)
        assert (counted.runs_pruned, counted.captures_deleted) == (4, 12)
        assert counted.capture_bytes > 0 and counted.evidence_bytes > 0
    assert set(result.protected_runs) >= {ids["stale_running"], ids["ten_days"],
                                          ids["dormant_completed"], ids["dormant_failed"],
                                          ids["seven_years"]}
    assert result.compacted

    remaining = {run["id"]: run for run in store.list_runs()}
    assert ids["six_years"] not in remaining
    for label, run_id in ids.items():
        if label in DELETED:
            continue
        run, earlier = remaining[run_id], runs_before[run_id]
        summaries = store.page_summaries(run_id)
        # Figures never change: scores, grades, sizes, CO2, counts.
        for page, old in zip(summaries, before[label], strict=True):
            assert {key: value for key, value in page.items() if key != "findings"} == {
                key: value for key, value in old.items() if key != "findings"}
            assert without_evidence(page["findings"]) == without_evidence(old["findings"])
        assert (run["pages_ok"], run["pages_failed"], run["score_mean"], run["documents"]) == (
            earlier["pages_ok"], earlier["pages_failed"], earlier["score_mean"],
            earlier["documents"])
        if label in PRUNED:
            assert run["captures_pruned_at"] == NOW.isoformat()
            assert all(finding["evidence"] == [] for page in summaries
                       for finding in page["findings"])
            assert run["site_findings"][0]["evidence"] == []
            with pytest.raises(CapturesPruned, match=f"pruned the captures of run {run_id}"):
                store.load_capture(summaries[0]["page_id"])
            entries = store.run_pages(run_id)
            assert [entry["ecoindex"] and entry["ecoindex"]["score"] for entry in entries] == [
                page["score"] for page in summaries]
            assert all(entry["capture_pruned"] and entry["requests"] == [] for entry in entries)
        else:
            assert run["captures_pruned_at"] is None
            assert summaries == before[label]  # evidence and all
            assert store.load_capture(summaries[0]["page_id"]).requested_url == BASE + "/"
    assert store.integrity_check()
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(StoredCapture)
                                  ).scalar() == 3 * (len(HISTORY) - len(PRUNED) - 1)
    again = prune(store, keep_captures=parse_duration("90d", "x"),
                  keep_runs=parse_duration("5y", "x"), now=NOW)
    assert (again.runs_pruned, again.runs_deleted, again.size_after) == (0, 0, again.size_before)


def test_prune_keeps_the_site_report_identical_and_reports_the_space_freed(
        tmp_path: Path, monkeypatch, capsys) -> None:
    database = tmp_path / "ecoaudit.db"
    with Store.open(str(database)) as store:
        fill_history(store, now=datetime.now(UTC))  # the command prunes from today
        render_reports(load_sites(store), tmp_path / "before", now=NOW)
    size_before = database.stat().st_size
    status, _ = run_main(monkeypatch, capsys, "db", "prune", "--keep-captures", "90d",
                         "--keep-runs", "10y", "--db", str(database))
    assert status == 0
    with Store.open(str(database)) as store:
        render_reports(load_sites(store), tmp_path / "after", now=NOW)
    before = sorted(path.relative_to(tmp_path / "before")
                    for path in (tmp_path / "before").rglob("*") if path.is_file())
    assert before and any(path.name == "trend.html" for path in before)
    for relative in before:
        assert same_report(tmp_path / "after" / relative) == same_report(
            tmp_path / "before" / relative), relative
    report = check_database(str(database))
    assert report.healthy and report.pruned_runs == 5  # nothing older than 10 years: no deletion
    assert report.size_bytes < size_before


def test_the_prune_command_says_what_it_would_remove_and_what_it_freed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    import ecoaudit.cli.db  # noqa: F401  (registers the commands)
    from ecoaudit.cli import cli

    database = tmp_path / "ecoaudit.db"
    with Store.open(str(database)) as store:
        fill_history(store, now=datetime.now(UTC))  # the command prunes from today
    before = fingerprint(tmp_path)
    dry = CliRunner().invoke(cli, ["db", "prune", "--keep-captures", "90d", "--dry-run",
                                   "--db", str(database)], catch_exceptions=False)
    assert dry.exit_code == 0 and "Would remove the captures of 5 runs" in dry.output
    assert "Nothing was changed (--dry-run)." in dry.output
    assert fingerprint(tmp_path) == before
    done = CliRunner().invoke(cli, ["db", "prune", "--keep-captures", "90d", "--keep-runs", "5y",
                                    "--db", str(database)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "Removed the captures of 4 runs started before" in done.output
    assert "Removed 1 run started before" in done.output
    assert " freed." in done.output


def test_bad_retention_input_is_one_sentence_and_changes_nothing(
        tmp_path: Path, monkeypatch, capsys) -> None:
    database = tmp_path / "ecoaudit.db"
    with Store.open(str(database)) as store:
        fill_history(store)
    before = fingerprint(tmp_path)
    cases = [
        (["--keep-captures", "90 jours"], "--keep-captures '90 jours' is not a duration"),
        (["--keep-runs", "0y"], "--keep-runs '0y' keeps nothing"),
        ([], "There is nothing to prune"),
    ]
    for options, words in cases:
        status, error = run_main(monkeypatch, capsys, "db", "prune", *options, "--db",
                                 str(database))
        assert status == 2
        assert_one_sentence(error, words)
    config = tmp_path / "sites.toml"
    config.write_text('[defaults]\nkeep_captures = "3 mois"\n', encoding="utf-8")
    status, error = run_main(monkeypatch, capsys, "db", "prune", "--config", str(config),
                             "--db", str(database))
    assert status == 2
    assert_one_sentence(error, "keep_captures must be a duration such as 90d")
    config.unlink()
    assert fingerprint(tmp_path) == before


def test_rescore_says_clearly_that_a_run_was_pruned(tmp_path: Path, monkeypatch, capsys) -> None:
    database = tmp_path / "ecoaudit.db"
    with Store.open(str(database)) as store:
        ids = fill_history(store)
        prune(store, keep_captures=parse_duration("90d", "x"), now=NOW)
    status, error = run_main(monkeypatch, capsys, "rescore", str(ids["one_year"]), "--db",
                             str(database))
    assert status == 2
    assert_one_sentence(error, f"Run {ids['one_year']} of metz cannot be rescored",
                        "retention pruned its full captures on 2026-12-01",
                        "its figures and findings stay as they were")
    status, _ = run_main(monkeypatch, capsys, "rescore", str(ids["ten_days"]), "--db",
                         str(database))
    assert status == 0


def test_retention_settings_in_the_defaults_of_sites_toml(tmp_path: Path, monkeypatch,
                                                          capsys) -> None:
    database = tmp_path / "ecoaudit.db"
    with Store.open(str(database)) as store:
        ids = fill_history(store, now=datetime.now(UTC))  # the command prunes from today
    config = tmp_path / "sites.toml"
    config.write_text('[defaults]\nkeep_captures = "90d"\nkeep_runs = "5y"\n', encoding="utf-8")
    status, _ = run_main(monkeypatch, capsys, "db", "prune", "--config", str(config), "--db",
                         str(database))
    assert status == 0
    with Store.open(str(database)) as store:
        runs = {run["id"]: run for run in store.list_runs()}
    assert ids["six_years"] not in runs
    assert {label for label, run_id in ids.items()
            if run_id in runs and runs[run_id]["captures_pruned_at"]} == PRUNED
