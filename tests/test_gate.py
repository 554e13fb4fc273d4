"""`ecoaudit check`, run as the real command against pages served on 127.0.0.1, real Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.page_server import Response, serve

pytestmark = pytest.mark.browser

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")
QUICK = ["--wait-before", "0", "--wait-after", "0", "--timeout", "20"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 60_000
LIGHT = "<html lang=fr><head><title>Accueil</title></head><body><p>Bonjour</p></body></html>"
HEAVY = ("<html lang=fr><head><title>Lourde</title></head><body>"
         + "".join(f"<p>{i}</p>" for i in range(1200))
         + "".join(f'<img src="/i{i}.png" width="10" height="10" alt="">' for i in range(12))
         + "</body></html>")
# Light passes every key; heavy (about 735 KB, 13 requests, 1216 nodes, D) breaks every key.
BUDGET = """[budget]
min_score = 80
min_grade = "B"
max_size_kb = 100
max_requests = 5
max_nodes = 600
max_co2_g = 0.05
rules_must_pass = ["modern-image-formats"]
"""
KEYS = ["min_score", "min_grade", "max_size_kb", "max_requests", "max_nodes", "max_co2_g",
        "rules_must_pass:modern-image-formats"]


def routes(page: str = LIGHT) -> dict:
    table = {"/": Response(LIGHT), "/page": Response(page), "/lourde": Response(HEAVY)}
    table.update({f"/i{i}.png": Response(PNG, content_type="image/png") for i in range(12)})
    return table


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ECOAUDIT, *args], capture_output=True, text=True, timeout=240,
                          cwd=cwd)


def test_light_page_passes_and_heavy_page_fails_every_budget_key(tmp_path: Path) -> None:
    (tmp_path / "budget.toml").write_text(BUDGET, encoding="utf-8")
    with serve(routes()) as server:
        done = run("check", server.url("/"), server.url("/lourde"), "--budget", "budget.toml",
                   "--junit", "junit.xml", "--json", "verdict.json", "--gitlab", "gl.json",
                   *QUICK, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"PASSED  {server.url('/')}" in done.stdout
    assert f"FAILED  {server.url('/lourde')}" in done.stdout
    assert "FAIL  page weight:" in done.stdout and "over by" in done.stdout
    assert "FAIL  rule modern-image-formats: fail" in done.stdout
    assert f"{server.url('/i0.png')}" in done.stdout  # the offending resource is named
    root = ElementTree.parse(tmp_path / "junit.xml").getroot()
    light, heavy = root.findall("testsuite")
    assert [case.get("name") for case in light.findall("testcase")] == KEYS
    assert not light.findall("testcase/failure")
    assert [case.get("name") for case in heavy.findall("testcase/failure/..")] == KEYS
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    assert verdict["exit_code"] == 1 and [p["passed"] for p in verdict["pages"]] == [True, False]
    assert len(json.loads((tmp_path / "gl.json").read_text())) == len(KEYS)


def test_a_score_drop_against_the_latest_run_is_a_regression(tmp_path: Path) -> None:
    page_routes = routes()
    (tmp_path / "budget.toml").write_text("[budget]\nmax_score_drop = 5\n", encoding="utf-8")
    with serve(page_routes) as server:
        url = server.url("/page")
        baseline = run("crawl", "--url", url, "--max-pages", "1", "--db", "base.db",
                       "--no-report", *QUICK, cwd=tmp_path)
        assert baseline.returncode == 0, baseline.stdout + baseline.stderr
        unchanged = run("check", url, "--budget", "budget.toml", "--baseline", "latest",
                        "--db", "base.db", *QUICK, cwd=tmp_path)
        page_routes["/page"] = Response(HEAVY)  # the new release is heavier
        regressed = run("check", url, "--budget", "budget.toml", "--baseline", "latest",
                        "--db", "base.db", *QUICK, cwd=tmp_path)
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "PASS  score drop against the baseline: 0 points" in unchanged.stdout
    assert "Verdict: PASSED" in unchanged.stdout
    assert regressed.returncode == 1, regressed.stdout + regressed.stderr
    assert "Baseline: run 1 of" in regressed.stdout
    assert "FAIL  score drop against the baseline:" in regressed.stdout
    assert "baseline score 99" in regressed.stdout


def test_a_page_that_cannot_be_measured_exits_2(tmp_path: Path) -> None:
    (tmp_path / "budget.toml").write_text("[budget]\nmax_size_kb = 100\n", encoding="utf-8")
    with serve(routes()) as server:
        done = run("check", server.url("/"), server.url("/absente"), "--budget", "budget.toml",
                   "--junit", "junit.xml", *QUICK, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"NOT MEASURED  {server.url('/absente')}: HTTP status 404" in done.stdout
    root = ElementTree.parse(tmp_path / "junit.xml").getroot()
    assert root.get("errors") == "1" and root.get("failures") == "0"


def test_a_site_is_crawled_and_held_to_its_sites_toml_budgets(tmp_path: Path) -> None:
    with serve(routes(page='<html><body><a href="/lourde">lourde</a></body></html>')) as server:
        (tmp_path / "sites.toml").write_text(f"""
[[sites]]
name = "recette"
start_urls = ["{server.url('/page')}"]
allow_private_addresses = true
min_delay = 0
sitemap = false
respect_robots = false
max_pages = 5
budgets = {{ max_nodes = 600 }}
""", encoding="utf-8")
        done = run("check", "--site", "recette", *QUICK, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"PASSED  {server.url('/page')}" in done.stdout
    assert f"FAILED  {server.url('/lourde')}" in done.stdout
    assert "FAIL  DOM nodes: 1216 nodes (limit <= 600), over by 616 nodes" in done.stdout
    assert not (tmp_path / "ecoaudit.db").exists()  # the gate writes no history


@pytest.mark.parametrize(("budget", "message"), [
    ("[budget]\nmax_nodes = 'many'\n", "budget.toml [budget]: max_nodes must be a whole number"),
    ("[budget]\nmax_nods = 5\n", "unknown key 'max_nods'"),
])
def test_an_invalid_budget_stops_with_one_sentence_naming_file_and_key(
        tmp_path: Path, budget: str, message: str) -> None:
    (tmp_path / "budget.toml").write_text(budget, encoding="utf-8")
    done = run("check", "http://127.0.0.1:9/", "--budget", "budget.toml", cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_baseline_without_a_tolerated_drop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "budget.toml").write_text("[budget]\nmax_size_kb = 100\n", encoding="utf-8")
    done = run("check", "http://127.0.0.1:9/", "--budget", "budget.toml", "--baseline", "latest",
               cwd=tmp_path)
    assert done.returncode == 2 and "add max_score_drop" in done.stderr
    assert "Traceback" not in done.stderr
