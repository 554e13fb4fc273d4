"""Rules on page volume: weight, requests, DOM, EcoIndex grade, CO2 per view."""

import pytest

from ecoaudit.capture import Capture, DomFacts
from tests.rule_captures import SITE, finding, page, req


def _no_requests() -> Capture:
    return Capture(requested_url=SITE + "/", final_url=SITE + "/", status=200, nodes=10)


# page-weight: warn above 1024 kB, fail above 2048 kB (kB = 1000 bytes)

@pytest.mark.parametrize(
    ("size", "status"),
    [(500_000, "pass"), (1_024_000, "pass"), (1_024_001, "warn"), (2_048_000, "warn"),
     (2_048_001, "fail")],
)
def test_page_weight_against_the_budget(size, status):
    result = finding("page-weight", page(req("/", size=size)))
    assert result.status == status
    assert result.value == round(size / 1000, 1)
    assert result.threshold == {"warn_kb": 1024, "fail_kb": 2048}


def test_page_weight_lists_the_heaviest_resources_first():
    capture = page(req("/", size=10_000), req("/big.webp", "image", size=900_000),
                   req("/app.js", "script", size=200_000))
    evidence = finding("page-weight", capture).evidence
    assert [e.url for e in evidence] == [SITE + "/big.webp", SITE + "/app.js", SITE + "/"]


def test_page_weight_without_requests_is_na():
    result = finding("page-weight", _no_requests())
    assert result.status == "na" and "aucune requête" in result.reason


# request-count: warn above 27, fail above 40

@pytest.mark.parametrize(("count", "status"),
                         [(1, "pass"), (27, "pass"), (28, "warn"), (40, "warn"), (41, "fail")])
def test_request_count_against_the_limits(count, status):
    capture = page(*[req(f"/r{i}.webp", "image") for i in range(count)])
    result = finding("request-count", capture)
    assert (result.status, result.value) == (status, count)


def test_request_count_without_requests_is_na():
    assert finding("request-count", _no_requests()).status == "na"


# dom-size: warn above 600, fail above 1400

@pytest.mark.parametrize(("nodes", "status"),
                         [(50, "pass"), (600, "pass"), (601, "warn"), (1400, "warn"),
                          (1401, "fail")])
def test_dom_size_against_the_limits(nodes, status):
    result = finding("dom-size", page(nodes=nodes, dom=DomFacts(max_depth=12)))
    assert (result.status, result.value) == (status, nodes)
    assert "profondeur maximale 12" in result.evidence[0].detail


def test_dom_size_without_a_node_count_is_na():
    result = finding("dom-size", page(nodes=None))
    assert result.status == "na" and "DOM" in result.reason


# ecoindex-grade: official formula, grade C or better

def _ecoindex_page(nodes: int, requests: int, size_kb: float) -> Capture:
    each = round(size_kb * 1000 / requests)
    return page(*[req(f"/r{i}", "image", size=each) for i in range(requests)], nodes=nodes)


def test_ecoindex_grade_c_passes():
    result = finding("ecoindex-grade", _ecoindex_page(600, 40, 1024))  # reference vector: 61, C
    assert (result.status, result.value) == ("pass", 61)
    assert "note C" in result.evidence[0].detail


def test_ecoindex_grade_d_fails():
    result = finding("ecoindex-grade", _ecoindex_page(693, 78, 2418.96))  # 44, D
    assert (result.status, result.value) == ("fail", 44)


def test_ecoindex_grade_equal_to_the_minimum_passes_and_one_better_minimum_fails():
    capture = _ecoindex_page(600, 40, 1024)
    assert finding("ecoindex-grade", capture, min_grade="C").status == "pass"
    assert finding("ecoindex-grade", capture, min_grade="B").status == "fail"


def test_ecoindex_grade_without_a_node_count_is_na():
    assert finding("ecoindex-grade", page(nodes=None)).status == "na"


# co2-per-view: SWD v4 rating C or better (<= 0.209 g) on the global grid

def test_co2_one_megabyte_is_rated_c_and_passes():
    result = finding("co2-per-view", page(req("/", size=1_000_000)))
    assert result.status == "pass"
    assert result.value == pytest.approx(0.1482)
    assert len(result.evidence) == 2  # global and French figures, each labelled


def test_co2_at_the_c_boundary():
    # 0.209 g / 148.2e-9 g per byte = 1,410,256.4 bytes
    assert finding("co2-per-view", page(req("/", size=1_410_256))).status == "pass"
    assert finding("co2-per-view", page(req("/", size=1_410_257))).status == "fail"


def test_co2_can_be_judged_on_the_french_grid_or_with_green_hosting():
    capture = page(req("/", size=3_000_000))  # global 0.4446 g (F); France 0.1828 g (C)
    assert finding("co2-per-view", capture).status == "fail"
    french = finding("co2-per-view", capture, grid="france")
    assert french.status == "pass" and french.value == pytest.approx(0.1828, abs=1e-4)
    green = finding("co2-per-view", page(req("/", size=1_700_000)), green_hosting=True)
    assert green.status == "pass"  # 1.7 MB × 121.03 g/GB = 0.2058 g: C


def test_co2_without_requests_is_na():
    assert finding("co2-per-view", _no_requests()).status == "na"
