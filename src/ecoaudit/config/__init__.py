"""The configuration layer: sites.toml read, checked and turned into settings objects.

schema.py says what each key accepts, load.py reads a file against it (locate.py finds the line
of a wrong key), and sites.py holds the results. Lower layers never import this package: they
take the few settings they need (net.access.SiteAccess, measure.MeasureOptions).
"""

from ecoaudit.config.load import adhoc_site, load_config, parse_config
from ecoaudit.config.sites import Config, SiteConfig, StorageSettings

__all__ = ["Config", "SiteConfig", "StorageSettings", "adhoc_site", "load_config", "parse_config"]
