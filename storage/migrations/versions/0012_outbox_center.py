"""A message to a center's manager names the center, so a handover can drop it undelivered.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add outbox.center_id, filled in for the cards not delivered yet."""
    # No foreign key: on SQLite adding one copies the whole outbox, and centers are never deleted.
    op.add_column("outbox", sa.Column("center_id", sa.Integer))
    # Only undelivered cards can still leak after a handover; sent rows are left as they are.
    op.execute(
        "UPDATE outbox SET center_id = (SELECT requests.center_id FROM requests"
        " WHERE requests.id = outbox.card_request_id)"
        " WHERE card_request_id IS NOT NULL AND status IN ('pending', 'blocked', 'failed')"
    )


def downgrade() -> None:
    """Drop the column: a handover no longer finds what was on its way to the old manager."""
    op.drop_column("outbox", "center_id")
