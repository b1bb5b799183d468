"""The outbox finds a chat's older pending message by an index, not by reading every one.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index pending rows by chat, for the sender's "an older one to this chat waits" check."""
    # Without it every sweep compared each pending row with every other: with 1,000 pending
    # (a manager's burst at one a second) a sweep took a quarter of a second, after each commit.
    op.create_index("ix_outbox_pending_chat", "outbox", ["status", "chat_id", "id"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_outbox_pending_chat", "outbox")
