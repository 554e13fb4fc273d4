"""The configuration layer: sites.toml read, checked and turned into settings objects."""
