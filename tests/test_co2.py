"""SWD v4 CO2 per view, checked against worked examples computed by hand from the constants.

Hand computations (GB = 10**9 bytes; operational 0.055 + 0.059 + 0.080 = 0.194 kWh/GB; embodied
0.012 + 0.013 + 0.081 = 0.106 kWh/GB, always at 494 g/kWh):
- global grid: (0.194 + 0.106) × 494 = 148.2 g/GB
- French grid: 0.194 × 44.18 + 0.106 × 494 = 8.57092 + 52.364 = 60.93492 g/GB
- green hosting, global: (0.194 − 0.055) × 494 + 52.364 = 68.666 + 52.364 = 121.03 g/GB
"""

import pytest

from ecoaudit.metrics import co2


def test_one_gigabyte_on_the_global_grid_is_148_2_grams():
    assert co2.grams_per_view(1_000_000_000) == pytest.approx(148.2)


def test_one_gigabyte_on_the_french_grid_is_60_93_grams():
    assert co2.grams_per_view(1_000_000_000, co2.FRANCE_GRID_INTENSITY) == pytest.approx(60.93492)


def test_green_hosting_removes_only_the_data_centre_operational_share():
    assert co2.grams_per_view(1_000_000_000, green_hosting=True) == pytest.approx(121.03)


def test_one_megabyte_page_worked_example():
    result = co2.page_co2(1_000_000)
    assert result["model"] == "swd-v4"
    assert result["bytes"] == 1_000_000
    assert result["global"]["grid_intensity"] == 494
    assert result["global"]["grams_per_view"] == pytest.approx(0.1482)
    assert result["global"]["rating"] == "C"  # 0.145 < 0.1482 <= 0.209
    assert result["france"]["grid_intensity"] == pytest.approx(44.18)
    assert result["france"]["grams_per_view"] == pytest.approx(0.0609, abs=1e-4)
    assert result["france"]["rating"] == "A"  # 0.040 < 0.0609 <= 0.079


def test_page_co2_has_exactly_the_documented_keys_and_labels():
    result = co2.page_co2(500_000)
    assert set(result) == {"model", "bytes", "global", "france"}
    for grid in ("global", "france"):
        assert set(result[grid]) == {"label", "grid_intensity", "grams_per_view", "rating"}
        assert result[grid]["label"]
    assert result["global"]["label"] != result["france"]["label"]


@pytest.mark.parametrize(
    ("grams", "rating"),
    [(0.0, "A+"), (0.040, "A+"), (0.0401, "A"), (0.079, "A"), (0.145, "B"), (0.1451, "C"),
     (0.209, "C"), (0.278, "D"), (0.359, "E"), (0.3591, "F"), (5.0, "F")],
)
def test_ratings_are_inclusive_upper_bounds(grams, rating):
    assert co2.rating(grams) == rating


def test_rating_bytes_boundary_on_the_global_grid():
    # A+ ends at 0.040 g: 0.040 / 148.2e-9 = 269,905.5 bytes
    assert co2.page_co2(269_905)["global"]["rating"] == "A+"
    assert co2.page_co2(269_906)["global"]["rating"] == "A"


def test_zero_bytes_is_zero_grams():
    assert co2.page_co2(0)["global"]["grams_per_view"] == 0.0


def test_negative_bytes_are_refused():
    with pytest.raises(ValueError):
        co2.page_co2(-1)
