"""Errors of the store that a user can cause and fix (bad --db, unknown run, ...)."""

from __future__ import annotations

from ecoaudit.errors import EcoauditError


class StoreError(EcoauditError):
    """A problem with the results database that the user can fix."""


class DatabaseUnavailable(StoreError):
    """The database URL is invalid, or the database cannot be opened."""


class RunNotFound(StoreError):
    """No run matches what the user asked for."""


class RunInProgress(StoreError):
    """Another live process is crawling the run."""
