"""ecoaudit: audit the eco-design of websites (EcoIndex, RGESN 2024 rules, CO2)."""

__version__ = "0.1.0"
