"""The collectivité's figures across sites: groups, medians, weighted mean, yearly totals."""

from __future__ import annotations

import pytest

from ecoaudit.report.collectivite import build_collectivite_report
from ecoaudit.report.model import RunData, SiteData
from ecoaudit.report.site import build_site_report
from tests.report_samples import page


def _site(name, group, pages, views=None):
    site = SiteData(name, name.title(), group=group, page_views_per_year=views,
                    runs=[RunData({"id": 1, "started_at": "2026-05-01T08:00:00"}, pages)])
    return build_site_report(site, year=2026)


def test_own_and_benchmark_sites_are_kept_apart_with_their_own_figures():
    reports = [
        _site("ville", "own", [page("http://127.0.0.1/", 82, 3, 42.115)], views=30_000),  # 92
        _site("opera", "own", [page("http://127.0.0.1/", 693, 78, 2420),  # 44
                               page("http://127.0.0.1/b", 600, 40, 1024)], views=10_000),  # 61
        _site("nancy", "benchmark", [page("http://127.0.0.1/", 4582, 4, 272.101)]),  # 48
        _site("vide", "own", []),
    ]
    report = build_collectivite_report(reports)
    assert [r.site.name for r in report.own.sites] == ["opera", "vide", "ville"]  # by title
    assert [r.site.name for r in report.benchmark.sites] == ["nancy"]
    assert report.own.pooled.score_median == 61  # all own pages: 92, 44, 61
    assert report.own.median_of_site_medians == pytest.approx((92 + 52.5) / 2)
    assert report.benchmark.pooled.score_mean == 48
    assert report.own.score_mean_weighted_by_views == pytest.approx(
        (92 * 30_000 + 52.5 * 10_000) / 40_000)
    ges_ville, ges_opera = 1.16, (2.12 + 1.78) / 2
    assert report.own.kg_co2e_per_year == pytest.approx(
        (30_000 * ges_ville + 10_000 * ges_opera) / 1000)


def test_no_site_at_all_is_an_empty_report():
    assert build_collectivite_report([]).empty
