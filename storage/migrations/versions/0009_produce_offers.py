"""A product listed from a villager's produce offer points back at that offer.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add products.offer_id (the produce request that listed it), unique when set."""
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("offer_id", sa.Integer))
        batch.create_foreign_key("fk_products_offer_id_requests", "requests", ["offer_id"], ["id"])
        # One offer lists at most one product, whatever a double press tries.
        batch.create_unique_constraint("uq_products_offer_id", ["offer_id"])
