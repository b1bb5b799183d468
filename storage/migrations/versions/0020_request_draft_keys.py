"""A request remembers the draft it was made from, so a second Confirm finds it.

Revision ID: 0020
Revises: 0019

- requests.draft_key: the random key of the villager's draft (its summary) that made the
  request; NULL for requests made before this revision and for those no draft made. Unique per
  villager (ix_requests_villager_draft; NULLs never clash, on SQLite or PostgreSQL): pressing
  the same Confirm again returns the request made, never a second one
  (storage/request_submissions.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add requests.draft_key and its unique index."""
    op.add_column("requests", sa.Column("draft_key", sa.String(32), nullable=True))
    op.create_index(
        "ix_requests_villager_draft", "requests", ["villager_id", "draft_key"], unique=True
    )


def downgrade() -> None:
    """Drop them: a Confirm pressed again is a new submission again."""
    op.drop_index("ix_requests_villager_draft", "requests")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of requests would break its foreign keys.
    op.drop_column("requests", "draft_key")
