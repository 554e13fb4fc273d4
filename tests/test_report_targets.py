"""Progress against the targets sites.toml declares."""

from __future__ import annotations

import pytest

from ecoaudit.errors import ConfigError
from ecoaudit.report.figures import run_figures
from ecoaudit.report.targets import LATE, MET, ON_TRACK, UNKNOWN, target_progress
from tests.report_samples import page

HEAVY = run_figures([page("http://127.0.0.1/a", 693, 78, 2420)])  # 44 D
LIGHT = run_figures([page("http://127.0.0.1/a", 82, 3, 42.115)])  # 92 A


def test_a_median_target_is_met_pending_or_late_by_its_year():
    targets = [{"metric": "median_score", "min": 70, "by": 2027}]
    assert target_progress(targets, HEAVY, LIGHT, 2026)[0].status == MET
    assert target_progress(targets, HEAVY, HEAVY, 2026)[0].status == ON_TRACK
    assert target_progress(targets, HEAVY, HEAVY, 2028)[0].status == LATE


def test_table_shape_and_percentages_are_read():
    targets = {"share_c_or_better": {"min": 80, "by": 2030}, "mean_size_kb": 1000}
    progress = target_progress(targets, HEAVY, LIGHT, 2026)
    assert [(p.metric, p.bound, p.limit, p.status) for p in progress] == [
        ("share_c_or_better", "min", 0.8, MET),
        ("mean_size_kb", "max", 1000, MET),
    ]
    assert progress[0].first_value == 0 and progress[0].latest_value == 1


def test_a_target_on_an_unmeasured_run_is_unknown():
    empty = run_figures([page("http://127.0.0.1/a", error="refused")])
    targets = [{"metric": "median_score", "min": 70}]
    assert target_progress(targets, empty, empty, 2026)[0].status == UNKNOWN


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"median_scor": {"min": 70}}, "unknown target metric 'median_scor'"),
        ({"median_score": {"min": "haut"}}, "min must be a number, got 'haut'"),
        ({"median_score": {"min": 70, "by": "2027"}}, "by must be a year"),
        ([{"metric": "median_score", "min": 60, "max": 90}], "needs either min or max"),
    ],
)
def test_a_wrong_target_is_one_clear_sentence(targets, message):
    with pytest.raises(ConfigError, match=message):
        target_progress(targets, HEAVY, LIGHT, 2026)
