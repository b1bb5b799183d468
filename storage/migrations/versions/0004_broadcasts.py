"""Announcements a manager broadcasts to the center's villagers, and one delivery row each.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create broadcasts and broadcast_deliveries."""
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("manager_id", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("photo_file_id", sa.String(256), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("progress_chat_id", sa.BigInteger, nullable=True),
        sa.Column("progress_message_id", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_broadcasts_center", "broadcasts", ["center_id", "id"])
    op.create_index("ix_broadcasts_status", "broadcasts", ["status"])
    op.create_table(
        "broadcast_deliveries",
        sa.Column("broadcast_id", sa.Integer, sa.ForeignKey("broadcasts.id"), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", sa.Float, nullable=True),
    )
    # The sender reads one broadcast's pending rows in user order.
    op.create_index(
        "ix_broadcast_deliveries_status",
        "broadcast_deliveries",
        ["broadcast_id", "status", "user_id"],
    )
