"""`ecoaudit db ...`: keep the history safe. One module per sub-command:
check (is it sound?), backup, restore, prune (retention)."""

from ecoaudit.cli.db import backup, check, prune, restore  # noqa: F401  (register the commands)
