"""CO2 per page view with the Sustainable Web Design model, version 4 (SWD v4).

Facts of the model (as published with CO2.js 0.19): energy per gigabyte (10**9 bytes) transferred,
split into operational and embodied energy for data centres, networks and user devices; embodied
energy always uses the global grid intensity (494 gCO2e/kWh); green hosting removes the data
centre's operational part; ratings by grams per view. Every visit is counted as a first visit.

Two figures are reported, each labelled: the global average grid, comparable with other SWD v4
tools, and the French grid for the operational part. French grid: 44.18 gCO2e/kWh, Ember's yearly
average for France as shipped in CO2.js (`average-intensities`, country code FRA). Electricity Maps
gives 33 for 2024; we keep the higher, published CO2.js figure so the estimate is not flattering.
"""

from __future__ import annotations

BYTES_PER_GB = 1_000_000_000
GLOBAL_GRID_INTENSITY = 494.0  # gCO2e/kWh
FRANCE_GRID_INTENSITY = 44.18  # gCO2e/kWh (Ember, via CO2.js average intensities, FRA)

# kWh per GB transferred.
OPERATIONAL_KWH_PER_GB = {"data_centre": 0.055, "network": 0.059, "device": 0.080}
EMBODIED_KWH_PER_GB = {"data_centre": 0.012, "network": 0.013, "device": 0.081}

# Upper bound (inclusive) of each rating, grams CO2e per view; above the last is F.
RATING_BOUNDS = (("A+", 0.040), ("A", 0.079), ("B", 0.145), ("C", 0.209), ("D", 0.278),
                 ("E", 0.359))
RATINGS = ("A+", "A", "B", "C", "D", "E", "F")

GLOBAL_LABEL = "Moyenne mondiale (494 gCO2e/kWh) / Global average grid"
FRANCE_LABEL = (
    "Réseau électrique français pour l'énergie d'usage (44,18 gCO2e/kWh, Ember) / French grid"
)


def grams_per_gb(grid_intensity: float, *, green_hosting: bool = False) -> float:
    """Grams CO2e per GB transferred for an operational grid intensity."""
    operational = sum(OPERATIONAL_KWH_PER_GB.values())
    if green_hosting:
        operational -= OPERATIONAL_KWH_PER_GB["data_centre"]
    embodied = sum(EMBODIED_KWH_PER_GB.values())
    return operational * grid_intensity + embodied * GLOBAL_GRID_INTENSITY


def grams_per_view(
    transfer_bytes: int, grid_intensity: float = GLOBAL_GRID_INTENSITY, *,
    green_hosting: bool = False,
) -> float:
    """Grams CO2e for one first visit transferring `transfer_bytes`."""
    return transfer_bytes / BYTES_PER_GB * grams_per_gb(grid_intensity, green_hosting=green_hosting)


def rating(grams: float) -> str:
    """SWD v4 rating A+..F of a number of grams per view."""
    for letter, upper_bound in RATING_BOUNDS:
        if grams <= upper_bound:
            return letter
    return "F"


def _grid_figure(label: str, intensity: float, transfer_bytes: int, green_hosting: bool) -> dict:
    grams = grams_per_view(transfer_bytes, intensity, green_hosting=green_hosting)
    return {
        "label": label,
        "grid_intensity": intensity,
        "grams_per_view": round(grams, 4),
        "rating": rating(grams),
    }


def page_co2(transfer_bytes: int, *, green_hosting: bool = False) -> dict:
    """CO2 per view of a page, for the global grid and the French grid (SWD v4)."""
    if transfer_bytes < 0:
        raise ValueError("transfer_bytes cannot be negative")
    return {
        "model": "swd-v4",
        "bytes": int(transfer_bytes),
        "global": _grid_figure(GLOBAL_LABEL, GLOBAL_GRID_INTENSITY, transfer_bytes, green_hosting),
        "france": _grid_figure(FRANCE_LABEL, FRANCE_GRID_INTENSITY, transfer_bytes, green_hosting),
    }
