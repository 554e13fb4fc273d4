"""The measurement layer: a real Chromium loads a page and every gatherer fills the Capture."""
