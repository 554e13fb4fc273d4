"""The scoring layer: one way to score a Capture (findings and CO2), budgets and targets."""
