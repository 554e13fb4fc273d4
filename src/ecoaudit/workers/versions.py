"""Which ecoaudit a run was queued with: a worker joins only runs of its own version and rule
catalogue, so every page of a run is measured and judged the same way."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ecoaudit import __version__
from ecoaudit.rules.engine import default_rule_directory


def catalogue_digest() -> str:
    """SHA-256 of the rule catalogue's files (names and contents), in name order."""
    digest = hashlib.sha256()
    for path in sorted(default_rule_directory().glob("*.toml")):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Versions:
    tool: str
    catalogue: str

    @classmethod
    def here(cls) -> Versions:
        return cls(tool=__version__, catalogue=catalogue_digest())

    def refusal(self, run_id: int, tool: str, catalogue: str) -> str | None:
        """One sentence when a run queued with `tool` and `catalogue` must not be joined by a
        worker of these versions; None when it may."""
        if tool != self.tool:
            return (f"Run {run_id} was queued by ecoaudit {tool}, this worker runs ecoaudit "
                    f"{self.tool}: it does not join the run; start workers of version {tool} "
                    "for it (or queue the site again with this version).")
        if catalogue != self.catalogue:
            return (f"Run {run_id} was queued with another rule catalogue "
                    f"({catalogue[:12]}) than this worker's ({self.catalogue[:12]}): it does "
                    "not join the run; start workers with the same catalogue, or queue the "
                    "site again.")
        return None
