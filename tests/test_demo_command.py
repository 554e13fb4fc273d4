"""`ecoaudit demo` end to end, as `make demo` runs it (with short waits): the bundled site is
served, crawled once per page, stored, and reported on, and its deliberate faults are found."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ecoaudit.demo.server import demo_site_directory

pytestmark = pytest.mark.browser

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    done = subprocess.run([ECOAUDIT, "demo", "--out", str(out), "--wait-before", "0",
                           "--wait-after", "0.2", "--concurrency", "4"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((out / "demo.json").read_text(encoding="utf-8"))
    base = document["pages"][0]["url"].split("/", 3)[:3]
    return {"out": out, "stdout": done.stdout, "document": document, "base": "/".join(base)}


def crawled_pages(demo_run: dict) -> list[dict]:
    return [page for page in demo_run["document"]["pages"] if page.get("source") != "journey"]


def pages_by_path(demo_run: dict) -> dict[str, dict]:
    return {page["url"].removeprefix(demo_run["base"]): page for page in crawled_pages(demo_run)}


def test_every_page_of_the_demo_site_is_measured_once(demo_run: dict) -> None:
    site = demo_site_directory()
    expected = {"/" + str(path.relative_to(site)).removesuffix("index.html")
                for path in site.rglob("*.html")}
    pages = pages_by_path(demo_run)
    assert set(pages) == expected and len(crawled_pages(demo_run)) == len(expected)
    assert all(page["error"] is None and page["ecoindex"]["grade"] for page in pages.values())
    assert {Path(doc["url"]).name for doc in demo_run["document"]["documents"]} == {
        "deliberations-2026-10.pdf", "LICENCE-DejaVu.txt"}
    assert f"completed, {len(expected)} pages measured, 2 documents" in demo_run["stdout"]


def test_the_run_is_stored_and_both_reports_are_written(demo_run: dict) -> None:
    out = demo_run["out"]
    with sqlite3.connect(out / "ecoaudit-demo.db") as database:
        runs = database.execute("SELECT status FROM runs").fetchall()
    assert runs == [("completed",), ("completed",)]
    for report in (out / "reports" / "index.html", out / "reports" / "demo" / "index.html"):
        assert '<html lang="fr">' in report.read_text(encoding="utf-8")
        assert str(report) in demo_run["stdout"].replace("\n", "")


def test_the_heavy_page_shows_the_faults_built_into_it(demo_run: dict) -> None:
    pages = pages_by_path(demo_run)
    heavy, lean = pages["/decouvrir-valmont.html"], pages["/demarches.html"]
    assert heavy["ecoindex"]["score"] < lean["ecoindex"]["score"] - 20
    findings = {finding["rule"]: finding for finding in heavy["findings"]}
    animation = findings["autoplay-and-animations"]
    gif = demo_site_directory() / "img" / "fete-mirabelle.gif"
    assert animation["status"] == "warn"  # an animated GIF under the 100 KiB failure threshold
    (evidence,) = animation["evidence"]
    assert evidence["url"].endswith("/img/fete-mirabelle.gif")
    assert gif.stat().st_size < evidence["bytes"] < gif.stat().st_size + 1000  # plus headers
    assert findings["images-resized-in-browser"]["status"] == "fail"
    assert findings["ecoindex-grade"]["status"] == "fail"


def test_the_demarche_is_played_as_a_journey_of_measured_steps(demo_run: dict) -> None:
    steps = [page for page in demo_run["document"]["pages"] if page.get("source") == "journey"]
    assert [step["journey"] for step in steps] == ["demarche-etat-civil"] * len(steps)
    assert len(steps) == 4 and all(step["ecoindex"] for step in steps)
    assert steps[-1]["final_url"].endswith("/demarches/etat-civil/confirmation")
    assert [step["step_index"] for step in steps] == sorted(step["step_index"] for step in steps)


def test_the_espace_agents_is_crawled_behind_the_login(demo_run: dict) -> None:
    with sqlite3.connect(demo_run["out"] / "ecoaudit-demo.db") as database:
        urls = [url for (url,) in database.execute(
            "SELECT pages.url FROM pages JOIN runs ON runs.id = pages.run_id "
            "JOIN sites ON sites.id = runs.site_id WHERE sites.name = 'demo-agents' "
            "AND pages.error IS NULL")]
    paths = {url.removeprefix(demo_run["base"]) for url in urls}
    assert {"/agents/", "/agents/annuaire.html", "/agents/notes-de-service.html",
            "/agents/planning.html"} <= paths
    assert not [path for path in paths if "deconnexion" in path]
    assert "demo-agents): completed, 4 pages measured" in demo_run["stdout"].replace("\n", " ")
