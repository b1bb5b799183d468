"""How long a center's quotes wait for the villager's answer.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add centers.quote_ttl_s (a day by default)."""
    with op.batch_alter_table("centers") as batch:
        batch.add_column(
            sa.Column("quote_ttl_s", sa.Integer, nullable=False, server_default="86400")
        )
