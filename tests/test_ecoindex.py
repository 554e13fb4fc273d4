"""The EcoIndex formula against the reference test vectors and its edge cases."""

import pytest

from ecoaudit.metrics import ecoindex


@pytest.mark.parametrize(
    ("nodes", "size_kb", "requests", "score", "grade", "ges", "water"),
    [
        (0, 0, 0, 100, "A", 1.0, 1.5),
        (82, 42.115, 3, 92, "A", 1.16, 1.74),
        (84, 538.833, 7, 89, "A", 1.22, 1.83),
        (4582, 272.101, 4, 48, "D", 2.04, 3.06),
        (693, 2420, 78, 44, "D", 2.12, 3.18),
        (600, 1024, 40, 61, "C", 1.78, 2.67),
        (594601, 223212.26, 3920, 0, "G", 3.0, 4.5),
    ],
)
def test_reference_vectors(nodes, size_kb, requests, score, grade, ges, water):
    result = ecoindex.compute(nodes, requests, size_kb)
    assert (result.score, result.grade, result.ges, result.water) == (score, grade, ges, water)


def test_position_on_a_boundary_is_the_boundary_index():
    assert ecoindex.quantile_position(47, ecoindex.NODES_QUANTILES) == 1.0
    assert ecoindex.quantile_position(2, ecoindex.REQUESTS_QUANTILES) == 1.0
    assert ecoindex.quantile_position(1.37, ecoindex.SIZE_KB_QUANTILES) == 1.0


def test_position_interpolates_inside_an_interval():
    assert ecoindex.quantile_position(61, ecoindex.NODES_QUANTILES) == pytest.approx(1.5)


def test_position_at_or_beyond_last_boundary_is_twenty():
    assert ecoindex.quantile_position(594601, ecoindex.NODES_QUANTILES) == 20.0
    assert ecoindex.quantile_position(10**9, ecoindex.NODES_QUANTILES) == 20.0
    assert ecoindex.score(10**9, 10**9, 10**9) == 0


def test_zero_everything_scores_100():
    assert ecoindex.score(0, 0, 0) == 100


def test_halves_round_to_even():
    # requests alone at position 1.5 (2 -> 15 interval midpoint = 8.5): 100 - 5*2*1.5/6 = 97.5
    assert ecoindex.score(0, 8.5, 0) == 98  # 97.5 -> 98 (even)
    # requests at position 4.5 (34 -> 42 midpoint = 38): 100 - 5*2*4.5/6 = 92.5 -> 92 (even)
    assert ecoindex.score(0, 38, 0) == 92
    assert round(72.5) == 72 and round(73.5) == 74


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (81, "A"), (80, "B"), (71, "B"), (70, "C"), (56, "C"), (55, "D"),
     (41, "D"), (40, "E"), (26, "E"), (25, "F"), (11, "F"), (10, "G"), (0, "G")],
)
def test_grade_thresholds_are_strict(score, grade):
    assert ecoindex.grade(score) == grade


def test_ges_and_water_come_from_the_rounded_score():
    assert ecoindex.greenhouse_gas(50) == 2.0
    assert ecoindex.water(50) == 3.0
    assert ecoindex.greenhouse_gas(100) == 1.0
    assert ecoindex.water(0) == 4.5
