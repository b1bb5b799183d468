"""Payment beside fulfilment, the kasbon ledger, a center's QRIS and credit limit, and staff.

Revision ID: 0014
Revises: 0013

- requests.payment: unpaid | cash | qris | credit | closed (an unpaid request cancelled or
  rejected), with who recorded it (payment_by) and when (payment_at).
- payment_events: the append-only ledger. One row per money event, never updated:
  kind cash | qris (a request paid at once), credit (a request put on the villager's tab:
  owed_change_minor = +amount), repayment (money paid back on the tab, method cash | qris:
  owed_change_minor = -amount). A villager's balance at a center is the sum of
  owed_change_minor over their rows.
- centers.qris_payload: the center's static EMVCo QRIS payload; centers.payee_qr: the content of
  a CNY center's payee QR; centers.credit_limit_minor: what one villager may owe (0: no credit).
- tab_reminders: when a villager was last reminded of their tab at a center.
- users.reminders_off: the villager asked not to be reminded of their tab.
- center_staff: helpers of a center; users.desk_center_id: the center a manager of several
  centers is working on now.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the payment columns and tables."""
    op.add_column(
        "requests",
        sa.Column("payment", sa.String(16), nullable=False, server_default="unpaid"),
    )
    op.add_column("requests", sa.Column("payment_by", sa.BigInteger, nullable=True))
    op.add_column("requests", sa.Column("payment_at", sa.Float, nullable=True))
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("villager_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("requests.id"), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("owed_change_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("actor_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_payment_events_center_villager", "payment_events", ["center_id", "villager_id"]
    )
    op.create_index("ix_payment_events_center_time", "payment_events", ["center_id", "created_at"])
    op.create_index("ix_payment_events_request", "payment_events", ["request_id"])
    op.add_column("centers", sa.Column("qris_payload", sa.Text, nullable=True))
    op.add_column("centers", sa.Column("payee_qr", sa.Text, nullable=True))
    op.add_column(
        "centers",
        sa.Column("credit_limit_minor", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "tab_reminders",
        sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), primary_key=True),
        sa.Column("villager_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("sent_at", sa.Float, nullable=False),
    )
    op.add_column(
        "users",
        sa.Column("reminders_off", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("users", sa.Column("desk_center_id", sa.Integer, nullable=True))
    op.create_table(
        "center_staff",
        sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("added_by", sa.BigInteger, nullable=True),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    op.create_index("ix_center_staff_user", "center_staff", ["user_id"])


def downgrade() -> None:
    """Drop them: payments, the ledger and staff are forgotten."""
    op.drop_index("ix_center_staff_user", "center_staff")
    op.drop_table("center_staff")
    op.drop_column("users", "desk_center_id")
    op.drop_column("users", "reminders_off")
    op.drop_table("tab_reminders")
    op.drop_column("centers", "credit_limit_minor")
    op.drop_column("centers", "payee_qr")
    op.drop_column("centers", "qris_payload")
    op.drop_index("ix_payment_events_request", "payment_events")
    op.drop_index("ix_payment_events_center_time", "payment_events")
    op.drop_index("ix_payment_events_center_villager", "payment_events")
    op.drop_table("payment_events")
    op.drop_column("requests", "payment_at")
    op.drop_column("requests", "payment_by")
    op.drop_column("requests", "payment")
