"""The views of the web interface, one module per subject; importing this package imports
every module in it, so that their `@route`s register in `ecoaudit.web.routing.ROUTES`."""

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
    importlib.import_module(f"{__name__}.{_module.name}")
