"""What changed between two runs: regressions, improvements, new, removed and failing pages."""

from __future__ import annotations

from ecoaudit.report.changes import compare_runs
from tests.report_samples import page


def test_grade_drop_is_a_regression_and_grade_rise_an_improvement():
    before = [page("http://127.0.0.1/a", 82, 3, 42.115), page("http://127.0.0.1/b", 4582, 4, 272)]
    after = [page("http://127.0.0.1/a", 4582, 4, 272.101), page("http://127.0.0.1/b", 82, 3, 42)]
    changes = compare_runs(before, after)
    assert [(c.url, c.score_before, c.score_after) for c in changes.regressions] == [
        ("http://127.0.0.1/a", 92, 48)
    ]
    assert [(c.url, c.grade_before, c.grade_after) for c in changes.improvements] == [
        ("http://127.0.0.1/b", "D", "A")
    ]


def test_small_move_within_the_same_grade_is_not_a_change():
    before = [page("http://127.0.0.1/a", 82, 3, 42.115)]
    after = [page("http://127.0.0.1/a", 84, 3, 42.115)]
    assert compare_runs(before, after).empty


def test_new_removed_newly_failed_and_recovered_pages():
    before = [page("http://127.0.0.1/old"), page("http://127.0.0.1/ok"),
              page("http://127.0.0.1/broken", error="500")]
    after = [page("http://127.0.0.1/new"), page("http://127.0.0.1/ok", error="timeout"),
             page("http://127.0.0.1/broken")]
    changes = compare_runs(before, after)
    assert [p["url"] for p in changes.new_pages] == ["http://127.0.0.1/new"]
    assert [p["url"] for p in changes.removed_pages] == ["http://127.0.0.1/old"]
    assert [p["url"] for p in changes.newly_failed] == ["http://127.0.0.1/ok"]
    assert [p["url"] for p in changes.recovered] == ["http://127.0.0.1/broken"]
