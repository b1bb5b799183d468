"""Several bots in one deployment: the bots table, each center's bot, each message's bot, and
dialogs kept apart by bot.

Revision ID: 0015
Revises: 0014

- bots: a bot besides the default one (BOT_TOKEN): id is its Telegram id (getMe), name the
  operator's short name, token its token (never shown whole), username its @username.
- centers.bot_id: the bot the center's villagers talk to; NULL: the default bot.
- outbox.bot_id: the bot that sends the message (its center's at the time it was written);
  NULL: the default bot.
- user_data and conversations gain bot_id in their keys (0: the default bot), so one person's
  dialog with one bot is not their dialog with another.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The key of the default bot's dialogs (a key cannot be NULL).
DEFAULT_BOT_KEY = "0"


def upgrade() -> None:
    """Add the bots table, the bot columns, and re-key the dialogs by bot."""
    op.create_table(
        "bots",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(32), nullable=False, unique=True),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    # No foreign keys: on SQLite adding one copies the whole table; removing a bot that still
    # has centers is refused by the repository.
    op.add_column("centers", sa.Column("bot_id", sa.BigInteger))
    op.add_column("outbox", sa.Column("bot_id", sa.BigInteger))
    _rekey(
        "user_data",
        [
            sa.Column("user_id", sa.BigInteger, nullable=False, autoincrement=False),
            sa.Column("data", sa.Text, nullable=False),
        ],
        ["user_id"],
    )
    _rekey(
        "conversations",
        [
            sa.Column("name", sa.String(64), nullable=False),
            sa.Column("key", sa.String(128), nullable=False),
            sa.Column("state", sa.Text, nullable=False),
        ],
        ["name", "key"],
    )


def _rekey(table: str, columns: list[sa.Column[Any]], keys: list[str]) -> None:
    """Copy `table` into one keyed by (bot_id, *keys), its rows the default bot's."""
    # A new table, not an altered key: SQLite cannot change a primary key in place.
    fresh = f"{table}_by_bot"
    names = ", ".join(column.name for column in columns)
    op.create_table(
        fresh,
        *columns,
        sa.Column("bot_id", sa.BigInteger, nullable=False, server_default=DEFAULT_BOT_KEY),
        sa.PrimaryKeyConstraint("bot_id", *keys, name=f"{fresh}_pkey"),
    )
    op.execute(
        f"INSERT INTO {fresh} ({names}, bot_id) SELECT {names}, {DEFAULT_BOT_KEY} FROM {table}"
    )
    op.drop_table(table)
    op.rename_table(fresh, table)


def downgrade() -> None:
    """Back to one bot: the default bot's dialogs stay, the other bots' are forgotten."""
    op.execute(f"DELETE FROM user_data WHERE bot_id <> {DEFAULT_BOT_KEY}")
    op.execute(f"DELETE FROM conversations WHERE bot_id <> {DEFAULT_BOT_KEY}")
    with op.batch_alter_table("user_data", recreate="always") as batch:
        batch.drop_constraint("user_data_by_bot_pkey", type_="primary")
        batch.create_primary_key("user_data_pkey", ["user_id"])
        batch.drop_column("bot_id")
    with op.batch_alter_table("conversations", recreate="always") as batch:
        batch.drop_constraint("conversations_by_bot_pkey", type_="primary")
        batch.create_primary_key("conversations_pkey", ["name", "key"])
        batch.drop_column("bot_id")
    op.drop_column("outbox", "bot_id")
    op.drop_column("centers", "bot_id")
    op.drop_table("bots")
