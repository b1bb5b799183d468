"""Each bot its own: copies of files for the bots that did not receive them, and blocks by bot.

Revision ID: 0019
Revises: 0018

- file_copies: a Telegram file id is good only with the bot that received it. When a center
  moves to another bot, that bot sends the file's bytes once (fetched through a bot that can)
  and keeps the file id Telegram gave it, keyed by the file id the center's rows hold.
- users.blocked_bot_id: the bot a villager blocked (NULL: the default bot), beside blocked_at.
  A villager who blocked one bot has not blocked another. A block recorded before this
  revision is taken to be of the bot of the villager's center, the bot that wrote to them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add file_copies and users.blocked_bot_id, with the blocks already recorded."""
    op.create_table(
        "file_copies",
        sa.Column("original", sa.String(256), primary_key=True),
        sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("file_id", sa.String(256), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.add_column("users", sa.Column("blocked_bot_id", sa.BigInteger))
    op.execute(
        "UPDATE users SET blocked_bot_id ="
        " (SELECT centers.bot_id FROM centers WHERE centers.id = users.center_id)"
        " WHERE blocked_at IS NOT NULL"
    )


def downgrade() -> None:
    """Back to one block for every bot and files sent by the bot that received them."""
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of users would break its foreign keys.
    op.drop_column("users", "blocked_bot_id")
    op.drop_table("file_copies")
