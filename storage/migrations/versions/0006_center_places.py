"""Each center's own list of places villagers travel to.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add centers.places ("|"-separated; empty means the country's usual places)."""
    with op.batch_alter_table("centers") as batch:
        batch.add_column(sa.Column("places", sa.Text, nullable=False, server_default=""))
