"""Alembic migrations of the results database, applied by `ecoaudit.store.migrate.upgrade`."""
