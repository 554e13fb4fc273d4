"""Runs record the URLs they set aside as duplicates of another page (canonical link, redirect to
a page already measured, same HTML as a page already measured).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Frozen copies of the column types of this revision (migrations never import the models).
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "duplicates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("duplicate_of", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("reason IN ('canonical', 'redirect', 'same_content')",
                           name="ck_duplicates_reason"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_duplicates_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_duplicates"),
        sa.UniqueConstraint("run_id", "url_key", name="uq_duplicates_run_url"),
    )
    op.create_index("ix_duplicates_run_id", "duplicates", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_duplicates_run_id", table_name="duplicates")
    op.drop_table("duplicates")
