"""Pages record their device profile, their sample (repeated measurement) and their journey step.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_KEY = ("run_id", "url_key", "consent_state")
NEW_KEY = ("run_id", "url_key", "consent_state", "device", "sample", "journey", "step_index")


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("device", sa.String(length=60), nullable=False,
                                   server_default="desktop"))
        batch.add_column(sa.Column("sample", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("journey", sa.String(length=200), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("step", sa.Text(), nullable=True))
        batch.add_column(sa.Column("step_index", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.drop_constraint("uq_pages_run_url_consent", type_="unique")
        batch.create_unique_constraint("uq_pages_run_page_variant", list(NEW_KEY))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_constraint("uq_pages_run_page_variant", type_="unique")
        batch.create_unique_constraint("uq_pages_run_url_consent", list(OLD_KEY))
        for column in ("step_index", "step", "journey", "sample", "device"):
            batch.drop_column(column)
