"""The EcoIndex formula (score, grade, greenhouse gas, water) from the three page measures.

Implemented from the published facts: quantile tables, the position formula, Python rounding
(halves to even), strict grade thresholds, and ges/water derived from the rounded score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

FORMULA_VERSION = "ecoindex-v4-quantiles-2023"

NODES_QUANTILES = (
    0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949,
    1076, 1237, 1459, 1801, 2479, 594601,
)
REQUESTS_QUANTILES = (
    0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170,
    205, 281, 3920,
)
SIZE_KB_QUANTILES = (
    0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47,
    1448.32, 1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73,
    5400.08, 8037.54, 223212.26,
)

# Lower bound (strictly greater than) of each grade, best first; below the last is G.
GRADE_THRESHOLDS = (("A", 80), ("B", 70), ("C", 55), ("D", 40), ("E", 25), ("F", 10))
GRADES = ("A", "B", "C", "D", "E", "F", "G")
GRADE_COLOURS = {
    "A": "#349A47", "B": "#51B84B", "C": "#CADB2A", "D": "#F6EB15",
    "E": "#FECD06", "F": "#F99839", "G": "#ED2124",
}
TARGETS = {"nodes": 600, "requests": 40, "size_kb": 1024}


@dataclass(frozen=True)
class EcoIndex:
    """The EcoIndex of one page: inputs and results."""

    score: int
    grade: str
    ges: float
    water: float
    nodes: int
    requests: int
    size_kb: float

    def to_dict(self) -> dict:
        return asdict(self)


def quantile_position(value: float, quantiles: tuple[float, ...]) -> float:
    """Position (0..20) of `value` on a 21-boundary quantile table."""
    for i in range(1, len(quantiles)):
        if value < quantiles[i]:
            return (i - 1) + (value - quantiles[i - 1]) / (quantiles[i] - quantiles[i - 1])
    return float(len(quantiles) - 1)


def score(nodes: float, requests: float, size_kb: float) -> int:
    """EcoIndex score 0..100, rounded the Python way (halves to even)."""
    q_nodes = quantile_position(nodes, NODES_QUANTILES)
    q_requests = quantile_position(requests, REQUESTS_QUANTILES)
    q_size = quantile_position(size_kb, SIZE_KB_QUANTILES)
    return round(100 - 5 * (3 * q_nodes + 2 * q_requests + q_size) / 6)


def grade(score_value: int) -> str:
    """Grade A..G from the rounded score, each threshold strictly greater-than."""
    for letter, lower_bound in GRADE_THRESHOLDS:
        if score_value > lower_bound:
            return letter
    return "G"


def greenhouse_gas(score_value: int) -> float:
    """gCO2e per page view, from the rounded score, to 2 decimals."""
    return round(2 + 2 * (50 - score_value) / 100, 2)


def water(score_value: int) -> float:
    """Centilitres of water per page view, from the rounded score, to 2 decimals."""
    return round(3 + 3 * (50 - score_value) / 100, 2)


def compute(nodes: int, requests: int, size_kb: float) -> EcoIndex:
    """Every EcoIndex figure of one page."""
    value = score(nodes, requests, size_kb)
    return EcoIndex(
        score=value,
        grade=grade(value),
        ges=greenhouse_gas(value),
        water=water(value),
        nodes=nodes,
        requests=requests,
        size_kb=size_kb,
    )
