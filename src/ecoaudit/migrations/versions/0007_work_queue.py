"""The work queue of runs crawled by workers: queued runs, their frontier, host politeness.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen copies of the column types of this revision (migrations never import the models).
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queued_runs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("site_spec", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("measure", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("tool_version", sa.String(length=50), nullable=False),
        sa.Column("catalogue", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("refused", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("queued_at", TIMESTAMP, nullable=False),
        sa.Column("active_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE",
                                name="fk_queued_runs_run_id_runs"),
        sa.PrimaryKeyConstraint("run_id", name="pk_queued_runs"),
    )
    op.create_index("ix_queued_runs_state", "queued_runs", ["state"])
    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("parent", sa.Text(), nullable=True),
        sa.Column("link_text", sa.Text(), nullable=True),
        sa.Column("path_key", sa.String(length=64), nullable=True),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=300), nullable=True),
        sa.Column("lease_until", TIMESTAMP, nullable=True),
        sa.Column("content_key", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queued_at", TIMESTAMP, nullable=False),
        sa.Column("done_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE",
                                name="fk_frontier_run_id_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_frontier"),
        sa.UniqueConstraint("run_id", "url_key", name="uq_frontier_run_url"),
        sa.UniqueConstraint("run_id", "content_key", name="uq_frontier_run_content"),
    )
    op.create_index("ix_frontier_run_state", "frontier", ["run_id", "kind", "state", "id"])
    op.create_table(
        "host_leases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("holder", sa.String(length=300), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_host_leases"),
    )
    op.create_index("ix_host_leases_host", "host_leases", ["host"])
    op.create_table(
        "host_pace",
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("next_start_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("host", name="pk_host_pace"),
    )


def downgrade() -> None:
    op.drop_table("host_pace")
    op.drop_index("ix_host_leases_host", table_name="host_leases")
    op.drop_table("host_leases")
    op.drop_index("ix_frontier_run_state", table_name="frontier")
    op.drop_table("frontier")
    op.drop_index("ix_queued_runs_state", table_name="queued_runs")
    op.drop_table("queued_runs")
