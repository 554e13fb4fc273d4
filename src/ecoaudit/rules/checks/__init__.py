"""One module per family of checks; importing this package registers every check function."""

from ecoaudit.rules.checks import (  # noqa: F401
    consent,
    content,
    fonts,
    images,
    media,
    network,
    volume,
)
