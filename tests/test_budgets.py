"""Budgets: parsing the [budget] table (errors name file and key), evaluating page entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoaudit.capture import Capture, Request
from ecoaudit.errors import ConfigError
from ecoaudit.pipeline import page_entry
from ecoaudit.scoring import score_page
from ecoaudit.scoring.budgets import (
    Budget,
    evaluate_metrics,
    evaluate_page,
    load_budget_file,
    parse_budget,
)


def entry(nodes: int, sizes: list[int], url: str = "https://example.org/") -> dict:
    """A scored page entry from a real Capture: `sizes` are the transfer bytes of each request."""
    capture = Capture(requested_url=url, final_url=url, status=200, content_type="text/html",
                      nodes=nodes, requests=[Request(url=f"{url}r{i}", transfer_bytes=size,
                                                     status=200, protocol="h2")
                                             for i, size in enumerate(sizes)])
    return page_entry(score_page(capture))


def by_key(checks) -> dict:
    return {check.name: check for check in checks}


def test_every_key_is_parsed_and_normalised() -> None:
    budget = parse_budget({"min_score": 55, "min_grade": "c", "max_size_kb": 1024,
                           "max_requests": 40, "max_nodes": 600, "max_co2_g": 0.5,
                           "rules_must_pass": ["page-weight"], "max_score_drop": 3},
                          source="b.toml [budget]")
    assert budget == Budget(min_score=55.0, min_grade="C", max_size_kb=1024.0, max_requests=40,
                            max_nodes=600, max_co2_g=0.5, rules_must_pass=("page-weight",),
                            max_score_drop=3.0)


@pytest.mark.parametrize(("table", "message"), [
    ({"max_size": 10}, 'b.toml [budget]: unknown key \'max_size\' (did you mean "max_size_kb"?)'),
    ({"min_grade": "H"}, "b.toml [budget]: min_grade must be an EcoIndex grade"),
    ({"max_requests": 4.5}, "b.toml [budget]: max_requests must be a whole number"),
    ({"max_nodes": -1}, "b.toml [budget]: max_nodes must be a whole number"),
    ({"min_score": 101}, "b.toml [budget]: min_score must be a number from 0 to 100"),
    ({"max_co2_g": "1"}, "b.toml [budget]: max_co2_g must be a number of grams"),
    ({"rules_must_pass": ["page-weigth"]}, 'not one (did you mean "page-weight"?)'),
    ({"rules_must_pass": "page-weight"}, "rules_must_pass must be a list of rule ids"),
    ({"max_score_drop": True}, "max_score_drop must be a number of EcoIndex points"),
])
def test_invalid_values_name_the_source_and_the_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_budget(table, source="b.toml [budget]")
    assert message in str(raised.value)


def test_budget_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "budget.toml"
    path.write_text("[budget]\nmax_size_kb = 'big'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"budget.toml \[budget\]: max_size_kb must be"):
        load_budget_file(path)
    path.write_text("max_size_kb = 10\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"must be written in a \[budget\] table"):
        load_budget_file(path)
    path.write_text("[budget\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_budget_file(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_budget_file(tmp_path / "missing.toml")


def test_shipped_example_budget_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "budget.toml"
    assert not load_budget_file(example).is_empty


def test_a_light_page_passes_every_key_with_its_measured_values() -> None:
    page = entry(nodes=100, sizes=[50_000, 50_000])  # 100 KB, 2 requests
    assert page["ecoindex"]["score"] == 91 and page["ecoindex"]["grade"] == "A"
    budget = Budget(min_score=80, min_grade="B", max_size_kb=100, max_requests=2, max_nodes=100,
                    max_co2_g=0.02, rules_must_pass=("page-weight",))
    checks = by_key(evaluate_page(page, budget))
    assert all(check.passed for check in checks.values())
    assert checks["max_size_kb"].measured == 100.0 and checks["max_size_kb"].excess == 0
    assert checks["max_co2_g"].measured == pytest.approx(0.0148, abs=1e-4)
    assert checks["rules_must_pass:page-weight"].measured == "pass"


def test_each_broken_key_says_by_how_much() -> None:
    page = entry(nodes=1000, sizes=[400_000] * 5)  # 2000 KB, 5 requests
    assert page["ecoindex"]["grade"] == "D"
    budget = Budget(min_score=60, min_grade="B", max_size_kb=1024, max_requests=4, max_nodes=600,
                    max_co2_g=0.1, rules_must_pass=("page-weight",))
    checks = by_key(evaluate_page(page, budget))
    assert not any(check.passed for check in checks.values())
    score = page["ecoindex"]["score"]
    assert checks["min_score"].excess == 60 - score
    assert checks["min_grade"].measured == "D" and checks["min_grade"].excess == 2
    assert checks["max_size_kb"].excess == 976.0
    assert checks["max_requests"].excess == 1
    assert checks["max_nodes"].excess == 400
    assert checks["max_co2_g"].excess == pytest.approx(0.2964 - 0.1, abs=1e-3)
    rule = checks["rules_must_pass:page-weight"]
    assert rule.measured == "warn" and "threshold" in rule.detail


def test_score_drop_is_measured_against_the_baseline_page() -> None:
    before, after = entry(100, [50_000]), entry(1000, [400_000] * 5)
    drop = before["ecoindex"]["score"] - after["ecoindex"]["score"]
    (check,) = evaluate_page(after, Budget(max_score_drop=5), baseline=before)
    assert check.passed is False and check.measured == drop and check.excess == drop - 5
    (check,) = evaluate_page(before, Budget(max_score_drop=0), baseline=after)
    assert check.passed is True and check.measured == -drop
    (check,) = evaluate_page(after, Budget(max_score_drop=5), baseline=None)
    assert check.passed is None and "not in the baseline" in check.detail


def test_unknown_values_are_not_passes() -> None:
    checks = evaluate_metrics({"score": None, "grade": None}, Budget(min_score=10, min_grade="G",
                                                                    max_nodes=5))
    assert [check.passed for check in checks] == [None, None, None]


def test_merging_lets_the_file_override_the_site() -> None:
    site = Budget(max_size_kb=1024, max_requests=40)
    merged = site.merged_with(Budget(max_size_kb=500, rules_must_pass=("page-weight",)))
    assert merged == Budget(max_size_kb=500, max_requests=40, rules_must_pass=("page-weight",))


def test_a_sites_toml_budget_error_names_the_site_and_the_key(tmp_path: Path) -> None:
    from ecoaudit.config import load_config
    from ecoaudit.scoring.budgets import site_budget

    path = tmp_path / "sites.toml"
    path.write_text('[[sites]]\nname = "mairie"\nstart_urls = ["https://example.org/"]\n'
                    'budgets = { max_nodes = 600, min_grade = "Q" }\n', encoding="utf-8")
    # Checked as soon as the file is loaded, before any crawl: file, line, site and key named.
    with pytest.raises(ConfigError, match=r'sites\.toml line 4: .*"mairie": min_grade must be'):
        load_config(path)
    path.write_text('[[sites]]\nname = "mairie"\nstart_urls = ["https://example.org/"]\n'
                    'budgets = { max_nodes = 600, min_grade = "C" }\n', encoding="utf-8")
    assert site_budget(load_config(path).sites[0]).to_dict() == {"max_nodes": 600,
                                                                  "min_grade": "C"}
