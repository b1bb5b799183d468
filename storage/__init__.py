"""The database layer: schema, migrations and repositories named after intents."""

from __future__ import annotations

from storage.bots import Bots
from storage.broadcasts import Broadcasts
from storage.carts import Carts
from storage.catalog import Catalog
from storage.catalog_edits import CatalogEdits
from storage.center_moves import CenterMoves
from storage.centers import Centers
from storage.db import Database, StorageUnavailable, open_database
from storage.file_copies import FileCopies
from storage.handover import Handovers
from storage.holdings import Holdings
from storage.inbox import Inbox
from storage.leases import Leases
from storage.notices import INBOX_CHANNEL, OUTBOX_CHANNEL, NoticeListener
from storage.outbox import Outbox
from storage.overview import Overview
from storage.payments import Payments
from storage.produce import Produce
from storage.qr_payments import QrPayments
from storage.questions import Questions
from storage.reports import Reports
from storage.requests import Requests
from storage.retention import Retention
from storage.services import ServicePrices
from storage.staff import Staff
from storage.tabs import Tabs
from storage.users import Users

__all__ = ["Storage", "StorageUnavailable"]


class Storage:
    """One object the application owns: the database and every repository over it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Repositories that write messages wake the outbox's sender once they commit.
        self.outbox = Outbox(db)
        self.centers = Centers(db, self.outbox)
        self.handovers = Handovers(db, self.outbox)
        # A center given to another bot, its people told the new bot's link.
        self.center_moves = CenterMoves(db, self.outbox)
        self.users = Users(db, self.outbox)
        self.catalog = Catalog(db)
        self.catalog_edits = CatalogEdits(db)
        self.carts = Carts(db)
        self.requests = Requests(db, self.outbox)
        self.payments = Payments(db, self.outbox)
        self.services = ServicePrices(db)
        self.broadcasts = Broadcasts(db)
        self.reports = Reports(db)
        self.overview = Overview(db)
        self.questions = Questions(db, self.outbox)
        self.produce = Produce(db)
        self.retention = Retention(db)
        self.holdings = Holdings(db)
        self.qr_payments = QrPayments(db)
        # The kasbon book: tabs, repayments, reminders and the credit limit.
        self.tabs = Tabs(db, self.outbox)
        self.staff = Staff(db, self.outbox)
        # The bots besides the default one, and which centers each serves.
        self.bots = Bots(db)
        # Which process serves each bot (PostgreSQL with several processes).
        self.leases = Leases(db)
        # Each bot's updates, stored before Telegram is told they arrived.
        self.inbox = Inbox(db)
        # PostgreSQL: other processes' commits of a bot's messages and updates wake its
        # sender and feed here (run by the runner; SQLite is one process and needs none).
        self.notices = NoticeListener(db)
        self.notices.on(OUTBOX_CHANNEL, self.outbox.notified)
        self.notices.on(INBOX_CHANNEL, self.inbox.notified)
        self.notices.on_listening(self.outbox.missed_notices)
        self.notices.on_listening(self.inbox.missed_notices)
        # Each bot's own file id for files another bot received.
        self.file_copies = FileCopies(db)

    @classmethod
    async def open(cls, database_url: str) -> Storage:
        """Open the database, apply migrations and return the store."""
        return cls(await open_database(database_url))

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
