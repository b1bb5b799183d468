"""Table definitions for queries; the schema itself is created by the migrations.

Keep in step with storage/migrations/versions (a test compares the two).
"""

import sqlalchemy as sa

metadata = sa.MetaData()

# The id of a row of a table that grows with every request: 64 bits on PostgreSQL (migration
# 0018); SQLite's INTEGER PRIMARY KEY is 64 bits already (and must stay INTEGER to be the rowid).
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

centers = sa.Table(
    "centers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("manager_id", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("language", sa.String(5), nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("radius_km", sa.Float, nullable=False),
    sa.Column("catalog_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("quote_ttl_s", sa.Integer, nullable=False),
    sa.Column("places", sa.Text, nullable=False),
    # The center's static EMVCo QRIS payload; a CNY center's payee QR content instead.
    sa.Column("qris_payload", sa.Text),
    sa.Column("payee_qr", sa.Text),
    # What one villager may owe the center on credit (kasbon); 0: no credit.
    sa.Column("credit_limit_minor", sa.BigInteger, nullable=False, server_default="0"),
    # The bot its villagers talk to (bots.id); NULL: the default bot of BOT_TOKEN.
    sa.Column("bot_id", sa.BigInteger),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200)),
    sa.Column("username", sa.String(64)),
    sa.Column("telegram_language", sa.String(16)),
    sa.Column("language", sa.String(5)),
    sa.Column("phone", sa.String(32)),
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id")),
    sa.Column("blocked_at", sa.Float),
    sa.Column("muted", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # The villager asked not to be reminded of their tab (a mute does not stop reminders).
    sa.Column("reminders_off", sa.Boolean, nullable=False, server_default=sa.false()),
    # The center a manager (or staff) of several centers is working on now.
    sa.Column("desk_center_id", sa.Integer),
    # The bot `blocked_at` is for (NULL: the default bot): blocking one bot blocks no other.
    sa.Column("blocked_bot_id", sa.BigInteger),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("category", sa.String(100), nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("unit", sa.String(30), nullable=False),
    sa.Column("stock", sa.Integer),
    sa.Column("aliases", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("photo_file_id", sa.String(256)),
    sa.Column("seller_id", sa.BigInteger, sa.ForeignKey("users.id")),
    # The produce offer (a request) this product was listed from; None for the center's goods.
    sa.Column("offer_id", ROW_ID, sa.ForeignKey("requests.id"), unique=True),
)

cart_items = sa.Table(
    "cart_items",
    metadata,
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("added_at", sa.Float, nullable=False),
)

requests = sa.Table(
    "requests",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True),
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
    sa.Column("villager_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("commission_minor", sa.BigInteger, nullable=False),
    sa.Column("fulfilment", sa.String(16)),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("distance_m", sa.Float),
    sa.Column("note", sa.Text),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("manager_chat_id", sa.BigInteger),
    sa.Column("manager_message_id", sa.BigInteger),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("completed_at", sa.Float),
    # Which quote the villager is shown: each quote writes the next number (storage/quotes.py).
    sa.Column("quote_version", sa.Integer, nullable=False, server_default="0"),
    # Payment, beside fulfilment: unpaid | cash | qris | credit | closed (bot/domain/payments.py).
    sa.Column("payment", sa.String(16), nullable=False, server_default="unpaid"),
    sa.Column("payment_by", sa.BigInteger),
    sa.Column("payment_at", sa.Float),
    # The random key of the draft that made it: Confirm pressed again finds this request
    # (storage/request_submissions.py); NULL for requests made before 0020.
    sa.Column("draft_key", sa.String(32)),
    sa.Index("ix_requests_villager_draft", "villager_id", "draft_key", unique=True),
)

request_items = sa.Table(
    "request_items",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True),
    sa.Column("request_id", ROW_ID, sa.ForeignKey("requests.id"), nullable=False),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id")),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("unit", sa.String(30), nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
)

request_events = sa.Table(
    "request_events",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True),
    sa.Column("request_id", ROW_ID, sa.ForeignKey("requests.id"), nullable=False),
    sa.Column("from_status", sa.String(24)),
    sa.Column("to_status", sa.String(24), nullable=False),
    sa.Column("actor_id", sa.BigInteger),
    sa.Column("actor_role", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("card_request_id", ROW_ID, sa.ForeignKey("requests.id")),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float),
    # Lane.REQUESTS (0) goes before Lane.CONVERSATION (1) to the same chat.
    sa.Column("lane", sa.SmallInteger, nullable=False, server_default="0"),
    # The center whose manager this is for, as its manager: dropped undelivered on a handover.
    sa.Column("center_id", sa.Integer),
    # The bot that sends it (its center's when written); NULL: the default bot.
    sa.Column("bot_id", sa.BigInteger),
)

# Dialogs are kept by bot: bot_id 0 is the default bot (a key cannot be NULL).
conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False, server_default="0"),
)

user_data = sa.Table(
    "user_data",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False, server_default="0"),
)

service_products = sa.Table(
    "service_products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("operator", sa.String(32)),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("commission_minor", sa.BigInteger, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

broadcasts = sa.Table(
    "broadcasts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
    sa.Column("manager_id", sa.BigInteger, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("photo_file_id", sa.String(256)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float),
    sa.Column("progress_chat_id", sa.BigInteger),
    sa.Column("progress_message_id", sa.BigInteger),
)

broadcast_deliveries = sa.Table(
    "broadcast_deliveries",
    metadata,
    sa.Column("broadcast_id", sa.Integer, sa.ForeignKey("broadcasts.id"), primary_key=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("sent_at", sa.Float),
)

questions = sa.Table(
    "questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
    sa.Column("villager_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float),
    sa.Column("closed_by", sa.BigInteger),
)

question_messages = sa.Table(
    "question_messages",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True),
    sa.Column("question_id", sa.Integer, sa.ForeignKey("questions.id"), nullable=False),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("sender_id", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("file_id", sa.String(256)),
    sa.Column("created_at", sa.Float, nullable=False),
)

# The append-only money ledger: one row per payment event, never updated. A villager's balance
# at a center is the sum of owed_change_minor (credit +amount, repayment -amount).
payment_events = sa.Table(
    "payment_events",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True),
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
    sa.Column("villager_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("request_id", ROW_ID, sa.ForeignKey("requests.id")),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("method", sa.String(16)),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("owed_change_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("actor_id", sa.BigInteger),
    sa.Column("created_at", sa.Float, nullable=False),
)

tab_reminders = sa.Table(
    "tab_reminders",
    metadata,
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), primary_key=True),
    sa.Column("villager_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("sent_at", sa.Float, nullable=False),
)

center_staff = sa.Table(
    "center_staff",
    metadata,
    sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), primary_key=True),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("added_by", sa.BigInteger),
    sa.Column("added_at", sa.Float, nullable=False),
)

# The bots besides the default one (BOT_TOKEN); id is the bot's Telegram id.
bots = sa.Table(
    "bots",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(32), nullable=False, unique=True),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("added_at", sa.Float, nullable=False),
)

# A file another bot received, as this bot sent it (a file id is good with its own bot only):
# `original` is the file id the center's rows hold; bot_id 0 is the default bot.
file_copies = sa.Table(
    "file_copies",
    metadata,
    sa.Column("original", sa.String(256), primary_key=True),
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("file_id", sa.String(256), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# The running processes on PostgreSQL, each with its heartbeat (the database's clock).
processes = sa.Table(
    "processes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("heartbeat_at", sa.Float, nullable=False),
)

# Which process serves each bot (keyed by its Telegram id, the default bot too), until when,
# and the fencing number of that holding (one more at each new holder).
bot_leases = sa.Table(
    "bot_leases",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("holder", sa.BigInteger),
    sa.Column("epoch", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

# Every update Telegram sent a bot, stored before Telegram is told it arrived (storage/inbox.py).
inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("handled_at", sa.Float),
    sa.Index(
        "ix_inbox_unhandled",
        "bot_id",
        "update_id",
        sqlite_where=sa.text("handled_at IS NULL"),
        postgresql_where=sa.text("handled_at IS NULL"),
    ),
)
