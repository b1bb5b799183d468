"""Products can carry a photo, and a villager's own produce names its seller.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add products.photo_file_id (a Telegram file id) and products.seller_id (a villager)."""
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("photo_file_id", sa.String(256)))
        batch.add_column(sa.Column("seller_id", sa.BigInteger))
        batch.create_foreign_key("fk_products_seller_id_users", "users", ["seller_id"], ["id"])
