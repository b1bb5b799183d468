"""Several processes on one PostgreSQL: the live processes, and which process serves each bot.

Revision ID: 0016
Revises: 0015

- processes: one row per running `kiosdesa run` on PostgreSQL (host, pid), its heartbeat
  renewed while it lives; a process whose heartbeat is older than the lease time is dead.
- bot_leases: one row per bot (the default bot too), keyed by its Telegram id: the process
  that serves it (holder, NULL: nobody), until when (expires_at, the database's clock), and a
  fencing number (epoch) that grows by one at each new holder.

SQLite runs one process that serves every bot: it keeps these tables empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the processes and bot_leases tables."""
    op.create_table(
        "processes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
    )
    op.create_table(
        "bot_leases",
        sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("holder", sa.BigInteger),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    """Drop the lease tables: back to one process."""
    op.drop_table("bot_leases")
    op.drop_table("processes")
