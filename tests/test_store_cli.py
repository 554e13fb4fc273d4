"""`ecoaudit runs` and `ecoaudit export`, run as the real command or through click."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ecoaudit.cli.rescore
import ecoaudit.cli.runs  # noqa: F401
from ecoaudit.cli import cli, main
from ecoaudit.export.run_csv import CSV_COLUMNS
from ecoaudit.store import Store
from store_samples import BASE, sample_capture, sample_co2, sample_findings

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")


def fill(url: str) -> int:
    """A completed run of site metz with one measured and one failed page, and a document."""
    with Store.open(url) as store:
        store.upsert_site("metz", title="Ville de Metz", group="own", config={})
        run_id = store.start_run("metz", settings={"max_pages": 2}, protocol={"viewport": "x"})
        store.record_page(run_id, capture=sample_capture("/"), findings=sample_findings(),
                          co2=sample_co2())
        store.record_page(run_id, capture=sample_capture("/500", error="HTTP 500"))
        store.record_document(run_id, url=BASE + "/rapport.pdf", status=200, size_bytes=99)
        store.finish_run(run_id, "completed")
    return run_id


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_export_json_is_the_stored_run_document(store_url: str) -> None:
    run_id = fill(store_url)
    exported = json.loads(invoke("export", str(run_id), "--format", "json", "--db", store_url))
    with Store.open(store_url) as store:
        assert exported == store.run_document(run_id)
    assert exported["run"]["id"] == run_id and exported["run"]["site"] == "metz"
    assert [page["url"] for page in exported["pages"]] == [BASE + "/", BASE + "/500"]
    assert exported["pages"][0]["ecoindex"]["score"] == 84
    assert exported["documents"][0]["url"] == BASE + "/rapport.pdf"
    assert exported["protocol"] == {"viewport": "x"}


def test_export_csv_has_one_row_per_page_with_documented_columns(store_url: str) -> None:
    run_id = fill(store_url)
    text = invoke("export", "latest", "--site", "metz", "--format", "csv", "--db", store_url)
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    measured, failed = list(reader)
    assert measured == {
        "run_id": str(run_id), "site": "metz", "url": BASE + "/", "final_url": BASE + "/",
        "consent_state": "none", "depth": "0", "status": "200", "error": "", "score": "84",
        "grade": "A", "ges": "1.32", "water": "1.98", "nodes": "300", "requests": "3",
        "size_kb": "100.0", "co2_global_g": "0.0321", "co2_global_rating": "A+",
        "co2_france_g": "0.0062", "measured_at": "2026-11-28T09:00:00+00:00",
        "rules_failed": "1", "rules_warned": "1", "device": "desktop", "sample": "1",
        "journey": "", "step_index": "", "step": "",
    }
    assert (failed["error"], failed["score"], failed["grade"]) == ("HTTP 500", "", "")


def test_export_to_a_file_leaves_standard_output_empty(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    run_id = fill(url)
    output = tmp_path / "run.json"
    assert invoke("export", str(run_id), "--output", str(output), "--db", url) == ""
    assert json.loads(output.read_text(encoding="utf-8"))["run"]["id"] == run_id


def test_runs_lists_the_history_as_a_table_and_as_json(tmp_path) -> None:
    url = str(tmp_path / "h.db")
    first = fill(url)
    second = fill(url)
    listed = json.loads(invoke("runs", "metz", "--json", "--db", url))
    assert [run["id"] for run in listed] == [second, first]
    assert listed[0]["pages_ok"] == 1 and listed[0]["pages_failed"] == 1
    header, newest, oldest = invoke("runs", "--db", url).splitlines()
    assert header.split() == ["Run", "Site", "Started", "(UTC)", "Status", "Pages", "Failed",
                              "Docs", "Score"]
    assert newest.split()[:2] == [str(second), "metz"]
    assert newest.split()[4:] == ["completed", "1", "1", "1", "84.0"]
    assert oldest.split()[0] == str(first)


def test_runs_reads_the_database_named_by_ecoaudit_db(tmp_path, monkeypatch) -> None:
    url = str(tmp_path / "env.db")
    run_id = fill(url)
    monkeypatch.setenv("ECOAUDIT_DB", url)
    assert [run["id"] for run in json.loads(invoke("runs", "--json"))] == [run_id]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["export", "99"], "There is no run 99 in this database"),
        (["export", "latest", "--site", "nowhere"], "Site nowhere has no completed run"),
        (["export", "1", "--format", "xml"], "'xml' is not one of 'csv', 'json'"),
        (["runs", "nowhere"], "No site named nowhere"),
    ],
)
def test_user_errors_are_one_sentence_without_traceback(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    arguments: list[str], message: str,
) -> None:
    url = str(tmp_path / "u.db")
    fill(url)
    monkeypatch.setattr(sys, "argv", ["ecoaudit", *arguments, "--db", url])
    with pytest.raises(SystemExit) as exited:
        main()  # the real entry point, in this process
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_missing_database_file_is_a_clear_error_of_the_installed_command(tmp_path) -> None:
    missing = tmp_path / "missing.db"
    result = subprocess.run([ECOAUDIT, "runs", "--db", str(missing)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "There is no database file" in result.stderr and "Traceback" not in result.stderr
    assert not missing.exists()
