"""Procurement's acceptance: contract validation, clause verdicts, and real acceptances of local
deliverables (compliant, not compliant, unmeasurable) with a tamper check of the evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecoaudit.capture import Capture, Request
from ecoaudit.errors import ConfigError
from ecoaudit.pipeline import PageSamples
from ecoaudit.scoring import ScoredPage, score_page
from ecoaudit.workflows.acceptance import load_contract
from ecoaudit.workflows.acceptance.median_runs import PageRuns
from ecoaudit.workflows.acceptance.verdict import judge
from tests.page_server import Response, serve

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "contrat-exemple.toml"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 60_000
HOSTILE_TITLE = "Accueil <script>alert('x')</script>"


def contract_text(urls: list[str], runs: int = 3) -> str:
    listed = ", ".join(f'"{url}"' for url in urls)
    return f"""
[contract]
title = "Recette du site <de test>"
reference = "MAPA 2026-01"
buyer = "Ville de Metz"
supplier = "Agence Exemple"

[scope]
urls = [{listed}]

[measurement]
runs = {runs}
wait_before = 0
wait_after = 0
timeout = 15

[page_budget]
article = "CCTP 7.2"
max_size_kb = 200
max_requests = 10
min_grade = "C"
rules_must_pass = ["modern-image-formats"]

[median_budget]
article = "CCTP 7.3"
min_grade = "B"

[rgesn]
criteria = ["5.1", "4.1"]
"""


def write_contract(folder: Path, text: str) -> Path:
    path = folder / "contrat.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ECOAUDIT, *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


# -- the contract file -------------------------------------------------------------------------


def test_the_shipped_french_example_contract_is_valid() -> None:
    contract = load_contract(EXAMPLE)
    assert contract.measurement.runs == 3 and len(contract.urls) == 10
    assert contract.page_budget.max_size_kb == 1024 and contract.median_budget.min_grade == "B"
    assert contract.rgesn_criteria and contract.page_article == "CCTP, article 7.2"


@pytest.mark.parametrize(("change", "message"), [
    (("[page_budget]", "[page_budget]\nmax_weight = 3"),
     "contrat.toml [page_budget]: unknown key 'max_weight'"),
    (('min_grade = "C"', 'min_grade = "Z"'), "contrat.toml [page_budget]: min_grade must be"),
    (("[median_budget]", "[median_budget]\nrules_must_pass = []"),
     "contrat.toml [median_budget]: unknown key 'rules_must_pass'"),
    (('criteria = ["5.1", "4.1"]', 'criteria = ["1.1"]'),
     "contrat.toml [rgesn]: criteria: 1.1 cannot be checked by a tool"),
    (('criteria = ["5.1", "4.1"]', 'criteria = ["99.1"]'),
     "contrat.toml [rgesn]: criteria must be a list of RGESN 2024 criterion numbers"),
    (("runs = 3", "runs = 0"), "contrat.toml [measurement]: runs must be a whole number"),
    (("[scope]", "[scop]"), "unknown table [scop] (did you mean \"[scope]\"?)"),
    (('title = "Recette du site <de test>"', ""), "contrat.toml [contract]: title must be"),
    (('urls = [', 'start_url = "ftp://x"\nurls = ['),
     "contrat.toml [scope]: start_url must be an http:// or https:// URL"),
])
def test_an_invalid_contract_names_the_file_and_the_key(tmp_path: Path, change, message) -> None:
    text = contract_text(["https://example.org/"]).replace(*change)
    with pytest.raises(ConfigError) as raised:
        load_contract(write_contract(tmp_path, text))
    assert message in str(raised.value)


# -- verdicts (pure) ---------------------------------------------------------------------------


def sample(nodes: int, size: int, url: str = "https://example.org/") -> ScoredPage:
    capture = Capture(requested_url=url, final_url=url, status=200, content_type="text/html",
                      nodes=nodes, requests=[Request(url=url, transfer_bytes=size, status=200)])
    return score_page(capture)


def page_runs(url: str, samples: list[ScoredPage]) -> PageRuns:
    return PageRuns(number=1, group=PageSamples(url, "desktop", pages=samples))


def test_the_median_run_is_retained_and_the_spread_reported(tmp_path: Path) -> None:
    page = page_runs("https://example.org/",
                     [sample(300, 90_000), sample(100, 50_000), sample(900, 150_000)])
    scores = [item["ecoindex"]["score"] for item in page.entries]
    assert page.retained_index == 0 and scores[0] == sorted(scores)[1]
    assert page.spread["score"]["range"] == max(scores) - min(scores)
    assert page.spread["nodes"] == {"min": 100, "median": 300, "max": 900, "range": 800}
    contract = load_contract(write_contract(tmp_path, contract_text([page.url], runs=3)))
    verdict = judge(contract, [page])
    by_id = {clause.id: clause for clause in verdict.clauses}
    assert by_id["page.max_size_kb"].rows[0].measured == 90.0
    assert by_id["page.max_size_kb"].status == "compliant"
    assert verdict.medians["score"] == scores[0]


def test_a_failed_page_makes_the_clauses_undetermined(tmp_path: Path) -> None:
    failed = Capture(requested_url="https://example.org/x", error="HTTP status 404")
    page = page_runs(failed.requested_url, [score_page(failed)])
    contract = load_contract(write_contract(tmp_path, contract_text([page.url], runs=1)))
    verdict = judge(contract, [page])
    assert verdict.outcome == "undetermined" and verdict.exit_code == 2
    assert {clause.status for clause in verdict.clauses} == {"undetermined"}


# -- real acceptances --------------------------------------------------------------------------


def deliverable_routes() -> dict:
    return {
        "/": Response(f"<html lang=fr><head><title>{HOSTILE_TITLE}</title></head>"
                      "<body><h1>Bienvenue</h1><p>Site sobre.</p>"
                      "<a href='/contact'>Contact</a></body></html>"),
        "/contact": Response("<html lang=fr><head><title>Contact</title></head>"
                             "<body><p>Écrivez-nous.</p></body></html>"),
        "/lourde": Response("<html lang=fr><head><title>Lourde</title></head><body>"
                            + "".join(f'<img src="/i{i}.png" alt="">' for i in range(4))
                            + "</body></html>"),
        **{f"/i{i}.png": Response(PNG, content_type="image/png") for i in range(4)},
    }


@pytest.mark.browser
def test_a_compliant_deliverable_gets_an_intact_evidence_folder(tmp_path: Path) -> None:
    with serve(deliverable_routes()) as server:
        urls = [server.url("/"), server.url("/contact")]
        write_contract(tmp_path, contract_text(urls))
        done = run("acceptance", "--contract", "contrat.toml", "--out", "recette", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verdict: Conforme (2/2 pages measured)." in done.stdout
    out = tmp_path / "recette"
    results = json.loads((out / "evidence" / "resultats.json").read_text(encoding="utf-8"))
    assert results["outcome"] == "compliant" and len(results["clauses"]) == 7
    for page in results["pages"]:
        assert len(page["runs"]) == 3 and page["retained_run"] in (1, 2, 3)
        assert set(page["spread"]) == {"score", "size_kb", "requests", "nodes"}
        for measurement in page["runs"]:
            assert (out / measurement["screenshot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            stored = json.loads((out / measurement["capture"]).read_text(encoding="utf-8"))
            assert stored["capture"]["requested_url"] == page["url"]
    assert results["protocol"]["browser"].startswith("chromium ")
    assert (out / "evidence" / "contrat.toml").read_text(encoding="utf-8") == (
        tmp_path / "contrat.toml").read_text(encoding="utf-8")
    html = (out / "rapport-recette.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "@media print" in html and ">Conforme<" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "Recette du site &lt;de test&gt;" in html
    assert "http://" not in html.replace(server.base, "")  # no external resource
    manifest = (out / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines()
    assert len(manifest) == 2 + 2 * 3 * 2 + 1  # contract, results, 6 captures + 6 shots, report
    verified = run("acceptance", "verify", "recette", cwd=tmp_path)
    assert verified.returncode == 0 and "Intact: the 15 files" in verified.stdout


@pytest.mark.browser
def test_a_heavy_deliverable_is_not_compliant_and_tampering_is_detected(tmp_path: Path) -> None:
    with serve(deliverable_routes()) as server:
        write_contract(tmp_path, contract_text([server.url("/contact"), server.url("/lourde")],
                                               runs=2))
        done = run("acceptance", "--contract", "contrat.toml", "--out", "recette", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Non conforme  page.max_size_kb" in done.stdout
    assert "Non conforme  page.rules_must_pass.modern-image-formats" in done.stdout
    assert "Conforme      page.max_requests" in done.stdout
    assert "Verdict: Non conforme" in done.stdout
    out = tmp_path / "recette"
    html = (out / "rapport-recette.html").read_text(encoding="utf-8")
    assert "Non conforme" in html and server.url("/i0.png") in html  # the offending resource
    capture = out / "evidence" / "pages" / "02" / "run-1.json"
    capture.write_text(capture.read_text(encoding="utf-8").replace('"nodes": ', '"nodes": 1'),
                       encoding="utf-8")
    (out / "evidence" / "pages" / "01" / "run-2.png").unlink()
    verified = run("acceptance", "verify", "recette", cwd=tmp_path)
    assert verified.returncode == 1
    assert "ALTERED  evidence/pages/02/run-1.json" in verified.stdout
    assert "MISSING  evidence/pages/01/run-2.png" in verified.stdout


@pytest.mark.browser
def test_an_unreachable_page_means_the_acceptance_could_not_measure(tmp_path: Path) -> None:
    with serve(deliverable_routes()) as server:
        write_contract(tmp_path, contract_text([server.url("/"), server.url("/absente")],
                                               runs=1))
        done = run("acceptance", "--contract", "contrat.toml", "--out", "recette", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Verdict: Non établi (1/2 pages measured)." in done.stdout
    refused = run("acceptance", "--contract", "contrat.toml", "--out", "recette", cwd=tmp_path)
    assert refused.returncode == 2 and "already exists and is not empty" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.browser
def test_a_site_of_the_configuration_is_crawled_for_its_pages(tmp_path: Path) -> None:
    def sites(private: bool) -> str:
        return f"""
[[sites]]
name = "livrable"
start_urls = ["{server.url("/")}"]
allow_private_addresses = {str(private).lower()}
min_delay = 0
sitemap = false
documents = false
"""

    def accept(out: str, *more: str) -> subprocess.CompletedProcess:
        return run("acceptance", "--contract", "contrat.toml", "--out", out, "--site", *more,
                   cwd=tmp_path)

    with serve(deliverable_routes()) as server:
        write_contract(tmp_path, contract_text([server.url("/lourde")], runs=1))
        (tmp_path / "sites.toml").write_text(sites(private=False), encoding="utf-8")
        refused = accept("refusee", "livrable")
        (tmp_path / "sites.toml").write_text(sites(private=True), encoding="utf-8")
        done = accept("recette", "livrable")
        both = accept("autre", "livrable", server.url("/"))
        unknown = accept("autre", "inconnu")
    assert refused.returncode == 2 and "measured no page" in refused.stderr, refused.stderr
    assert "private" in refused.stderr and not (tmp_path / "refusee").exists()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verdict: Conforme (2/2 pages measured)." in done.stdout
    results = json.loads((tmp_path / "recette" / "evidence" / "resultats.json").read_text(
        encoding="utf-8"))
    assert sorted(page["url"] for page in results["pages"]) == [server.url("/"),
                                                                 server.url("/contact")]
    assert both.returncode == 2 and "either URLs or --site" in both.stderr
    assert unknown.returncode == 2 and "inconnu" in unknown.stderr
    assert "Traceback" not in refused.stderr + both.stderr + unknown.stderr
