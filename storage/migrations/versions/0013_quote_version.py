"""Quote versions: an Accept names the quote it was pressed on, so a re-quote is not taken by it.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add requests.quote_version (0: never quoted); every quote writes the next number."""
    # A re-quote leaves the status QUOTED: only a version tells an old quote from a new one.
    op.add_column(
        "requests",
        sa.Column("quote_version", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    """Drop the versions: an Accept takes whatever the request is quoted at."""
    op.drop_column("requests", "quote_version")
