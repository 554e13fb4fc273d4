"""The metrics layer: EcoIndex and CO2 (Sustainable Web Design v4), pure functions of figures."""

from ecoaudit.metrics.page import page_co2, page_ecoindex

__all__ = ["page_co2", "page_ecoindex"]
