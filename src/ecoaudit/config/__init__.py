"""The configuration layer: sites.toml read, checked and turned into settings objects.

schema.py says what each key accepts, load.py reads a file against it (locate.py finds the line
of a wrong key), journeys.py reads the journey files a site names, and sites.py holds the
results. Lower layers never import this package: they take the few settings they need
(net.access.SiteAccess, measure.MeasureOptions).
"""

from ecoaudit.config.journeys import check_journey_secrets, load_journey
from ecoaudit.config.load import adhoc_site, load_config, parse_config
from ecoaudit.config.sites import Config, SiteConfig, StorageSettings

__all__ = [
    "Config",
    "SiteConfig",
    "StorageSettings",
    "adhoc_site",
    "check_journey_secrets",
    "load_config",
    "load_journey",
    "parse_config",
]
