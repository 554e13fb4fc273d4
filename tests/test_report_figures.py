"""Key figures of a run, checked against values worked out by hand or with `statistics`."""

from __future__ import annotations

import statistics

import pytest

from ecoaudit.errors import ConfigError
from ecoaudit.report.budgets import Budget, page_within, site_budgets
from ecoaudit.report.figures import run_figures
from tests.report_samples import finding, page

# (nodes, requests, size KB) -> EcoIndex score and grade, from the published test vectors.
LIGHT = (82, 3, 42.115)  # 92 A
IMAGES = (84, 7, 538.833)  # 89 A
DEEP = (4582, 4, 272.101)  # 48 D
MEDIAN_PAGE = (693, 78, 2420)  # 44 D
TARGET_PAGE = (600, 40, 1024)  # 61 C


def _pages():
    return [
        page("http://127.0.0.1/a", *LIGHT, swd_global=0.02, swd_france=0.01),
        page("http://127.0.0.1/b", *IMAGES, swd_global=0.1, swd_france=0.04),
        page("http://127.0.0.1/c", *DEEP, swd_global=0.05, swd_france=0.02),
        page("http://127.0.0.1/d", *MEDIAN_PAGE, swd_global=0.4, swd_france=0.2),
        page("http://127.0.0.1/e", *TARGET_PAGE, swd_global=0.2, swd_france=0.09),
        page("http://127.0.0.1/f", error="Timeout after 60 s"),
    ]


def test_mean_and_median_score_ignore_failed_pages():
    figures = run_figures(_pages())
    scores = [92, 89, 48, 44, 61]
    assert (figures.pages_total, figures.pages_measured, figures.pages_failed) == (6, 5, 1)
    assert figures.score_mean == pytest.approx(statistics.fmean(scores))
    assert figures.score_median == 61
    assert figures.median_grade == "C"


def test_grade_distribution_and_shares_at_c_and_b_or_better():
    figures = run_figures(_pages())
    assert figures.grade_counts == {"A": 2, "B": 0, "C": 1, "D": 2, "E": 0, "F": 0, "G": 0}
    assert figures.share_c_or_better == pytest.approx(3 / 5)
    assert figures.share_b_or_better == pytest.approx(2 / 5)


def test_weight_requests_dom_and_footprint_per_view():
    figures = run_figures(_pages())
    sizes = [42.115, 538.833, 272.101, 2420, 1024]
    assert figures.size_kb_total == pytest.approx(sum(sizes))
    assert figures.size_kb_mean == pytest.approx(sum(sizes) / 5)
    assert figures.requests_total == 3 + 7 + 4 + 78 + 40
    assert figures.nodes_mean == pytest.approx((82 + 84 + 4582 + 693 + 600) / 5)
    assert figures.ges_mean == pytest.approx((1.16 + 1.22 + 2.04 + 2.12 + 1.78) / 5)
    assert figures.water_mean == pytest.approx((1.74 + 1.83 + 3.06 + 3.18 + 2.67) / 5)
    assert figures.swd_global_mean == pytest.approx((0.02 + 0.1 + 0.05 + 0.4 + 0.2) / 5)
    assert figures.swd_france_mean == pytest.approx((0.01 + 0.04 + 0.02 + 0.2 + 0.09) / 5)


def test_default_budgets_are_the_ecoindex_targets():
    figures = run_figures(_pages())
    within = {s.budget.key: (s.budget.limit, s.pages_within) for s in figures.budgets}
    # weight <= 1024 KB: all but the 2420 KB page; requests <= 40: all but 78; nodes <= 600:
    # 82, 84 and 600 only.
    assert within == {"max_size_kb": (1024, 4), "max_requests": (40, 4), "max_nodes": (600, 3)}
    assert figures.pages_within_all_budgets == 3


def test_declared_budgets_replace_the_defaults_and_add_their_own():
    figures = run_figures(_pages(), budgets={"max_size_kb": 500, "min_grade": "C"})
    within = {share.budget.key: share.pages_within for share in figures.budgets}
    assert within["max_size_kb"] == 2  # 42 and 272 KB
    assert within["min_grade"] == 3  # A, A, C
    assert within["max_requests"] == 4


def test_co2_budget_uses_the_global_grid_swd_figure():
    budget = Budget("max_co2_g", 0.1)
    assert page_within(page("http://127.0.0.1/", swd_global=0.1), budget)
    assert not page_within(page("http://127.0.0.1/", swd_global=0.11), budget)
    assert not page_within(page("http://127.0.0.1/"), budget)  # unknown is not within


def test_budgets_come_in_a_fixed_order():
    keys = [b.key for b in site_budgets({"max_co2_g": 0.2, "min_score": 50})]
    assert keys == ["max_size_kb", "max_requests", "max_nodes", "min_score", "max_co2_g"]


def test_yearly_estimate_turns_grams_into_kilograms_and_centilitres_into_cubic_metres():
    figures = run_figures(_pages(), page_views_per_year=200_000)
    ges = (1.16 + 1.22 + 2.04 + 2.12 + 1.78) / 5
    water_cl = (1.74 + 1.83 + 3.06 + 3.18 + 2.67) / 5
    assert figures.yearly.kg_co2e_ecoindex == pytest.approx(200_000 * ges / 1000)
    assert figures.yearly.m3_water_ecoindex == pytest.approx(200_000 * water_cl / 100 / 1000)
    assert figures.yearly.kg_co2e_swd_global == pytest.approx(200_000 * 0.154 / 1000)


def test_no_yearly_estimate_without_declared_page_views():
    assert run_figures(_pages()).yearly is None


def test_run_where_every_page_failed_has_counts_but_no_scores():
    figures = run_figures([page("http://127.0.0.1/a", error="refused")] * 3)
    assert (figures.pages_total, figures.pages_measured, figures.pages_failed) == (3, 0, 3)
    assert figures.score_mean is None and figures.median_grade is None
    assert figures.share_c_or_better is None and figures.share_within_all_budgets is None


def test_empty_run_has_zero_pages():
    figures = run_figures([])
    assert figures.pages_total == 0 and figures.score_median is None


def test_third_party_hosts_are_listed_once_and_pages_calling_them_counted():
    calling = page("http://127.0.0.1/a")
    calling["requests"] = [
        {"url": "https://stats.example.org/t.js", "third_party": True},
        {"url": "https://stats.example.org/pixel", "third_party": True},
        {"url": "https://fonts.example.net/f.woff2", "third_party": True},
        {"url": "http://127.0.0.1/style.css", "third_party": False},
    ]
    plain = page("http://127.0.0.1/b")
    plain["requests"] = [{"url": "http://127.0.0.1/b", "third_party": False}]
    figures = run_figures([calling, plain])
    assert figures.third_party_hosts == ["fonts.example.net", "stats.example.org"]
    assert figures.pages_with_third_parties == 1


def test_rules_that_must_pass_are_a_budget_too():
    passing = page("http://127.0.0.1/a", findings=[finding("text-compression", "pass")])
    failing = page("http://127.0.0.1/b", findings=[finding("text-compression", "fail")])
    figures = run_figures([passing, failing], budgets={"rules_must_pass": ["text-compression"]})
    share = next(s for s in figures.budgets if s.budget.key == "rules_must_pass")
    assert share.budget.shown_limit == "text-compression"
    assert share.pages_within == 1


def test_a_wrong_budget_value_is_one_clear_sentence():
    with pytest.raises(ConfigError, match="max_size_kb must be a number of kilobytes"):
        run_figures(_pages(), budgets={"max_size_kb": "lourd"})
