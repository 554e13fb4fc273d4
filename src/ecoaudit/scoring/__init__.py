"""The scoring layer: one way to score a Capture (findings and CO2), and page budgets."""

from ecoaudit.scoring.score import score_capture

__all__ = ["score_capture"]
