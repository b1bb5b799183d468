"""The inbox: every update Telegram sent, stored before Telegram is told it arrived.

Revision ID: 0017
Revises: 0016

- inbox: one row per update of a bot (bot_id: the numeric id of its token, the part before
  ':'), with who sent it (user_id, for each user's order), the update as Telegram sent it
  (payload, JSON; emptied once handled), when it arrived and when it was handled
  (handled_at; NULL: not yet).
  An index keeps the unhandled ones of a bot in update order for the replay at start.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_UNHANDLED = sa.text("handled_at IS NULL")


def upgrade() -> None:
    """Create the inbox table and its index of unhandled updates."""
    op.create_table(
        "inbox",
        sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("handled_at", sa.Float, nullable=True),
    )
    op.create_index(
        "ix_inbox_unhandled",
        "inbox",
        ["bot_id", "update_id"],
        sqlite_where=_UNHANDLED,
        postgresql_where=_UNHANDLED,
    )


def downgrade() -> None:
    """Drop the inbox."""
    op.drop_index("ix_inbox_unhandled", table_name="inbox")
    op.drop_table("inbox")
