"""The prioritised to-do list: rules ranked by the bytes their fix would save."""

from __future__ import annotations

from ecoaudit.report.todo import rank_rules
from tests.report_samples import finding, page


def test_rules_are_ranked_by_bytes_saved_over_all_affected_pages():
    pages = [
        page("http://127.0.0.1/a", findings=[finding("images-format", saving=30_000),
                                             finding("compression", saving=5_000)]),
        page("http://127.0.0.1/b", findings=[finding("compression", saving=5_000),
                                             finding("images-format", "pass")]),
        page("http://127.0.0.1/c", findings=[finding("compression", "warn", saving=5_000)]),
    ]
    todo = rank_rules(pages)
    assert [(i.rule, i.pages_affected, i.saving_bytes) for i in todo] == [
        ("images-format", 1, 30_000),
        ("compression", 3, 15_000),
    ]
    assert todo[1].pages_failing == 2


def test_rules_saving_nothing_are_ranked_by_severity_then_reach():
    pages = [
        page("http://127.0.0.1/a", findings=[finding("autoplay", severity="critical"),
                                             finding("print-css", severity="minor")]),
        page("http://127.0.0.1/b", findings=[finding("print-css", severity="minor")]),
    ]
    assert [i.rule for i in rank_rules(pages)] == ["autoplay", "print-css"]


def test_passing_and_manual_findings_are_not_to_do():
    pages = [page("http://127.0.0.1/a", findings=[finding("a", "pass"), finding("b", "manual"),
                                                  finding("c", "na")])]
    assert rank_rules(pages) == []
