"""The metrics layer: EcoIndex and CO2 (Sustainable Web Design v4), pure functions of figures."""
