"""Outbox lanes: request cards go before conversation to the same chat.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `lane` (0 requests, 1 conversation); rows already written are request messages."""
    # A villager's flood of questions must not queue the manager's order cards behind it.
    op.add_column("outbox", sa.Column("lane", sa.SmallInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop the lane: every chat goes back to one queue."""
    op.drop_column("outbox", "lane")
