"""`ecoaudit rescore`: findings and CO2 recomputed offline from the stored captures."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import ecoaudit.cli.rescore
import ecoaudit.cli.runs  # noqa: F401
from ecoaudit import rules
from ecoaudit.cli import cli
from ecoaudit.errors import ConfigError
from ecoaudit.metrics import co2
from ecoaudit.store import Store
from store_samples import sample_capture

STRICT_DOM = {"dom-size": {"warn_above": 100, "fail_above": 200}}  # the sample has 300 nodes


def stored_run(url: str, site_config: dict | None = None) -> int:
    """A completed run whose pages were stored without findings (as by an older ecoaudit)."""
    with Store.open(url) as store:
        store.upsert_site("metz", title="Metz", group="own", config=site_config or {})
        run_id = store.start_run("metz", settings={}, protocol={})
        store.record_page(run_id, capture=sample_capture("/"))
        store.record_page(run_id, capture=sample_capture("/gone", error="HTTP 404"))
        store.finish_run(run_id, "completed")
    return run_id


def rescore(*args: str) -> str:
    result = CliRunner().invoke(cli, ["rescore", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def dom_size_status(url: str, run_id: int) -> str:
    with Store.open(url) as store:
        [page] = [page for page in store.page_summaries(run_id) if page["error"] is None]
    return next(f["status"] for f in page["findings"] if f["rule"] == "dom-size")


@pytest.fixture(autouse=True)
def no_sites_toml_here(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # so ./sites.toml of the repository is not picked up


def test_rescore_computes_findings_and_co2_from_the_stored_capture(store_url: str) -> None:
    run_id = stored_run(store_url)
    output = rescore("latest", "--site", "metz", "--db", store_url)
    assert f"Run {run_id} of metz: 2 pages rescored" in output and "2 with different" in output
    capture = sample_capture("/")
    with Store.open(store_url) as store:
        measured, failed = store.page_summaries(run_id)
        assert store.run(run_id)["rescored_at"] is not None
    assert measured["findings"] == [finding.to_dict() for finding in rules.evaluate(capture)]
    assert measured["co2"] == co2.page_co2(capture.transfer_bytes)
    assert failed["co2"] is None  # a page that could not be measured: `na` findings, as a crawl
    assert {finding["status"] for finding in failed["findings"]} == {"na"}
    assert failed["findings"] == [
        finding.to_dict() for finding in rules.evaluate(sample_capture("/gone", error="HTTP 404"))
    ]


def test_rescoring_again_changes_nothing(tmp_path) -> None:
    url = str(tmp_path / "r.db")
    run_id = stored_run(url)
    rescore(str(run_id), "--db", url)
    assert "0 with different findings" in rescore(str(run_id), "--db", url)


def test_thresholds_of_sites_toml_apply(tmp_path) -> None:
    url = str(tmp_path / "r.db")
    run_id = stored_run(url)
    rescore(str(run_id), "--db", url)
    assert dom_size_status(url, run_id) == "pass"
    (tmp_path / "sites.toml").write_text(
        '[[sites]]\nname = "metz"\nstart_urls = ["http://127.0.0.1:8000/"]\n'
        "[sites.rules.dom-size]\nwarn_above = 100\nfail_above = 200\n", encoding="utf-8")
    rescore(str(run_id), "--db", url)  # ./sites.toml is the default
    assert dom_size_status(url, run_id) == "fail"


def test_thresholds_stored_with_the_site_apply_without_sites_toml(tmp_path) -> None:
    url = str(tmp_path / "r.db")
    run_id = stored_run(url, site_config={"rules": STRICT_DOM, "first_party_hosts": []})
    rescore(str(run_id), "--db", url)
    assert dom_size_status(url, run_id) == "fail"


def test_unknown_rule_in_stored_thresholds_is_a_clear_error(tmp_path) -> None:
    url = str(tmp_path / "r.db")
    run_id = stored_run(url, site_config={"rules": {"no-such-rule": {"x": 1}}})
    result = CliRunner().invoke(cli, ["rescore", str(run_id), "--db", url])
    assert isinstance(result.exception, ConfigError)
    assert "unknown rule 'no-such-rule'" in str(result.exception)
