"""Each center's price lists for services (phone credit and data first).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create service_products."""
    op.create_table(
        "service_products",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(32), nullable=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price_minor", sa.BigInteger, nullable=False),
        sa.Column("commission_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("center_id", "kind", "code", name="uq_service_products_code"),
    )
    op.create_index(
        "ix_service_products_lookup", "service_products", ["center_id", "kind", "operator"]
    )
