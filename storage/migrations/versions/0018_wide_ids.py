"""Row ids that last: the tables that grow with every request count in 64 bits on PostgreSQL.

Revision ID: 0018
Revises: 0017

A 32-bit id runs out at about 2.1 billion rows: at 30,000 centers the outbox would reach it in
under three months (docs/scaling.md). SQLite's INTEGER PRIMARY KEY is 64 bits already, so
only PostgreSQL changes: the ids, the columns that point at them, and their sequences.
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# (table, column) pairs that hold the id of a row of a growing table.
WIDE = (
    ("requests", "id"),
    ("request_items", "id"),
    ("request_items", "request_id"),
    ("request_events", "id"),
    ("request_events", "request_id"),
    ("outbox", "id"),
    ("outbox", "card_request_id"),
    ("payment_events", "id"),
    ("payment_events", "request_id"),
    ("products", "offer_id"),
    ("question_messages", "id"),
)
SEQUENCES = (
    "requests",
    "request_items",
    "request_events",
    "outbox",
    "payment_events",
    "question_messages",
)


def upgrade() -> None:
    """BIGINT for the growing tables' ids on PostgreSQL; nothing to do on SQLite."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in WIDE:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")
    for table in SEQUENCES:
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS BIGINT")


def downgrade() -> None:
    """Back to 32 bits (fails if an id has passed 2**31 - 1, as it should)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SEQUENCES:
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS INTEGER")
    for table, column in WIDE:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER")
