"""The scoring layer: one way to score a Capture (findings and CO2), page budgets, targets."""

from ecoaudit.scoring.score import ScoredPage, score_page

__all__ = ["ScoredPage", "score_page"]
