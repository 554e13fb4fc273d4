"""Errors of the store that a user can cause and fix (bad --db, unknown run, damaged file, ...).

Each message is one sentence: what is wrong, and what to do about it.
"""

from __future__ import annotations

from ecoaudit.errors import EcoauditError


class StoreError(EcoauditError):
    """A problem with the results database that the user can fix.

    `run_id`: the run a crawl was writing when the error stopped it (left resumable), if any.
    """

    run_id: int | None = None


class DatabaseUnavailable(StoreError):
    """The database URL is invalid, or the database cannot be opened."""


class DatabaseDamaged(StoreError):
    """The database file is not a database, is truncated, or is malformed."""


class DatabaseReadOnly(StoreError):
    """The database file, or its folder, cannot be written to."""


class DiskFull(StoreError):
    """The disk (or the database server) has no space left for a write."""


class SchemaTooNew(StoreError):
    """The database was written by a newer ecoaudit: it is never migrated down."""


class NotAnEcoauditDatabase(StoreError):
    """A readable database that holds other tables and no ecoaudit schema version."""


class MigrationFailed(StoreError):
    """A schema migration failed; the database was left as it was."""


class BackupError(StoreError):
    """A backup or a restore could not be made; nothing was changed."""


class CapturesPruned(StoreError):
    """The full captures of a run were removed by retention, and the action needs them."""


class RunNotFound(StoreError):
    """No run matches what the user asked for."""


class RunInProgress(StoreError):
    """Another live process is crawling the run."""


class InvalidDuration(StoreError):
    """A retention duration (`--keep-captures`, `keep_runs`, ...) that does not parse."""
