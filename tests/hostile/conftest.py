"""A long-lived bot for hostile-input tests: the real Application fed update by update.

Each update goes through `app.process_update` (as PTB's own tests drive an Application),
and the bot's replies go over HTTP to the project's Bot API emulator, which refuses bad
HTML and over-long texts as Telegram does. Because the update is fully handled when
`process_update` returns, every test can say exactly what the user got back.

One bot serves a whole module (hypothesis runs many examples against it); each example
plays a new villager so examples do not lean on each other.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from bot.app import KiosApplication, build_application
from bot.config import Settings
from bot.context import SERVICES_KEY
from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.catalog_csv import parse_catalog_csv
from bot.transport.broadcaster import Broadcaster
from bot.transport.outbox_sender import OutboxSender
from bot.views import callbacks
from bot.views.texts import LOCALES, plain
from storage import Storage, schema
from tests.conftest import open_storage
from tests.e2e.conftest import UNLIMITED_CHAT_RATE

# HYPOTHESIS_PROFILE=thorough runs many more examples per property (minutes, not seconds).
settings.register_profile(
    "hostile",
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
    database=None,
)
settings.register_profile(
    "thorough",
    max_examples=150,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hostile"))

SAMPLE_CATALOG = Path(__file__).parents[2] / "bot" / "data" / "sample_catalog.csv"
TOKEN = "123456:HOSTILE-TOKEN"
MANAGER = 910001
ADMIN = 920001
CENTER_LAT, CENTER_LON = -7.5600, 110.8200
# Rows that belong to the user or to dialog bookkeeping, not to anyone's business.
# Not business rows: who wrote, dialog state, and the inbox (every update is stored there).
PRIVATE_TABLES = frozenset({"users", "conversations", "user_data", "inbox"})
# Emulator refusals a correct bot never provokes (Telegram's wording, as the emulator says it).
BAD_SENDS = ("parse entities", "too long", "is empty", "wrong", "not found", "can't")


class ErrorLog(logging.Handler):
    """Keeps every error record logged while the bot runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        """The errors logged since the last call, formatted with their tracebacks."""
        taken, self.records = self.records, []
        formatter = logging.Formatter()
        return [
            f"{r.name}: {r.getMessage()}\n{formatter.formatException(r.exc_info)}"
            if r.exc_info
            else f"{r.name}: {r.getMessage()}"
            for r in taken
        ]


@dataclass
class Reply:
    """What one update made the bot do in the user's chat."""

    messages: list[SentMessage]
    answer: dict[str, Any] | None = None

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages]

    @property
    def said_anything(self) -> bool:
        return bool(self.messages) or self.answer is not None


class Bot:
    """The running Application, its emulator and database, and the people in the chat."""

    def __init__(
        self,
        emu: BotApiEmulator,
        app: KiosApplication,
        store: Storage,
        sender: OutboxSender,
        errors: ErrorLog,
        center_id: int,
    ) -> None:
        self.emu, self.app, self.store, self.sender = emu, app, store, sender
        self.errors, self.center_id = errors, center_id
        self._ids = itertools.count(800001)
        # callback_data of every button the bot ever showed a chat, for replaying old presses.
        self.seen_buttons: dict[int, list[str]] = {}
        self._offset = 0

    def __repr__(self) -> str:
        return "Bot(Leping)"

    def begin(self) -> None:
        """Start an example afresh: forget errors a failed example before it left behind."""
        self.errors.take()
        self.emu.state.errors.clear()

    def new_villager(self, language: str = "en") -> int:
        """A villager who has never written to the bot."""
        user_id = next(self._ids)
        self.emu.user(user_id, f"Warga{user_id}", language_code=language)
        return user_id

    async def deliver(self, update_json: dict[str, Any], chat_id: int) -> Reply:
        """Hand the queued update to the bot through getUpdates, and collect what it did."""
        mark = self.emu.state.version
        # The real wire: the bot's own getUpdates request reads and parses the update.
        updates = await self.app.bot.get_updates(offset=self._offset, timeout=0)
        assert [u.update_id for u in updates] == [update_json["update_id"]]
        self._offset = updates[-1].update_id + 1
        await self.app.process_update(updates[0])
        messages = [m for m in self.emu.messages(chat_id) if m.version > mark]
        for message in messages:
            self.seen_buttons.setdefault(chat_id, []).extend(
                b.callback_data for row in message.buttons for b in row if b.callback_data
            )
        answer = None
        query = update_json.get("callback_query")
        if query is not None:
            answer = self.emu.state.callback_queries[query["id"]].answer
        return Reply(messages, answer)

    async def text(self, user_id: int, text: str) -> Reply:
        """The user sends `text` (a leading /command is marked as one)."""
        return await self.deliver(self.emu.send_text(user_id, text), user_id)

    async def press(self, user_id: int, data: str, message_id: int | None = None) -> Reply:
        """The user presses a button carrying `data` (real, replayed or forged)."""
        if message_id is None:
            message_id = self.emu.last_message(user_id).message_id
        query_id = self.emu.press(user_id, message_id, forge=data)
        return await self.deliver(self._queued_press(query_id), user_id)

    async def press_button(self, user_id: int, text: str) -> Reply:
        """The user presses the button labelled `text` on the newest message showing it."""
        for message in reversed(self.emu.messages(user_id, include_deleted=False)):
            button = message.find_button(text=text)
            if button is not None and button.callback_data:
                return await self.press(user_id, button.callback_data, message.message_id)
        raise AssertionError(f"no button {text!r} in chat {user_id}")

    async def press_action(self, user_id: int, request_id: int, action: str) -> Reply:
        """Press the button of `action` on the request's card (whatever the user's language)."""
        data = callbacks.build(callbacks.REQUEST, request_id, action)
        for message in reversed(self.emu.messages(user_id, include_deleted=False)):
            if message.find_button(callback_data=data) is not None:
                return await self.press(user_id, data, message.message_id)
        raise AssertionError(f"no button {data!r} in chat {user_id}")

    def _queued_press(self, query_id: str) -> dict[str, Any]:
        """The update the emulator queued for the press `query_id`."""
        for update in self.emu.state.updates.take(100):
            query = update.get("callback_query")
            if query and query["id"] == query_id:
                return dict(update)
        raise AssertionError(f"press {query_id} was not queued")

    async def other(self, user_id: int, kind: str) -> Reply:
        """The user sends a photo, document, voice note, contact or location instead of text."""
        emu = self.emu
        sends: dict[str, Callable[[], dict[str, Any]]] = {
            "photo": lambda: emu.send_photo(user_id, b"\xff\xd8\xff\xe0 not really a jpeg"),
            "document": lambda: emu.send_document(user_id, b"%PDF-1.4\n", "surat.pdf"),
            "voice": lambda: emu.send_voice(user_id, b"OggS voice"),
            "contact": lambda: emu.send_contact(user_id, "6281234567890"),
            "location": lambda: emu.send_location(user_id, CENTER_LAT, CENTER_LON + 0.005),
            "sticker": lambda: emu._user_message(user_id, {"sticker": _STICKER}),
        }
        return await self.deliver(sends[kind](), user_id)

    async def join(self, user_id: int) -> Reply:
        """The villager opens the center's deep link."""
        reply = await self.text(user_id, "/start LEPING")
        assert any("Kios Desa Leping" in t for t in reply.texts), reply.texts
        return reply

    async def drain_outbox(self) -> None:
        """Deliver every notification the last updates queued (manager cards and the like)."""
        await self.sender.drain()

    async def deliver_broadcasts(self) -> None:
        """Send every announcement the manager sent off to its villagers, then the report."""
        broadcaster = Broadcaster(self.app.bot, self.store, rate_per_s=1000.0)
        for broadcast in await self.store.broadcasts.sending():
            await broadcaster.send_all(broadcast)

    def check_clean(self) -> None:
        """No error logged, no send refused by the emulator (bad HTML, too long, ...)."""
        errors = self.errors.take()
        assert not errors, "\n".join(errors)
        refused = [
            f"{e.method} to {e.params.get('chat_id')}: {e.description}: "
            f"{str(e.params.get('text') or e.params.get('caption'))[:120]!r}"
            for e in self.emu.errors
        ]
        self.emu.state.errors.clear()
        assert not refused, refused

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every business row in the database (all tables but users, dialogs and the inbox)."""
        tables = [t for t in schema.metadata.sorted_tables if t.name not in PRIVATE_TABLES]
        async with self.store.db.read() as conn:
            return {
                table.name: sorted(
                    (tuple(row) for row in (await conn.execute(sa.select(table))).all()), key=repr
                )
                for table in tables
            }


_STICKER = {
    "file_id": "CAACAgIAAxkBAAEC",
    "file_unique_id": "AgADsticker",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


def is_apology(text: str | None) -> bool:
    """Whether `text` is the error handler's apology (in any language): never to be seen."""
    return text is not None and any(plain(locale, "common.error") in text for locale in LOCALES)


async def seed(store: Storage) -> int:
    """The operator's set-up: the Leping center with the sample catalog."""
    center = await store.centers.add_center(
        "LEPING", "Kios Desa Leping", MANAGER, lat=CENTER_LAT, lon=CENTER_LON, radius_km=3
    )
    rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
    await store.catalog.import_rows(center.id, rows)
    await store.users.seen(MANAGER, "Pak Joko", telegram_language="en")
    await store.users.set_language(MANAGER, "en")  # the center speaks Indonesian; he reads English
    return center.id


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Bot]:
    """One bot for the module, its manager already known."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'kiosdesa.db'}"
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        async with BotApiEmulator() as emu, open_storage(database_url) as store:
            emu.user(MANAGER, "Pak Joko", language_code="en")
            emu.user(ADMIN, "Operator", language_code="en")
            center_id = await seed(store)
            settings = Settings(
                bot_token=TOKEN,
                database_url=database_url,
                telegram_api_url=emu.url,
                admin_ids=frozenset({ADMIN}),
                broadcast_rate_per_s=1000.0,  # the rate limiter must not slow the examples down
                outbox_chat_rate_per_s=UNLIMITED_CHAT_RATE,  # each drain delivers what is due
                flood_burst=1_000_000,  # the examples come faster than any person types
            )
            app = build_application(settings, store)
            async with app:
                await app.start()  # the job queue runs dialog timeouts; nobody polls
                # The app's own record of redrawn cards, as the bot's sender has it.
                sender = OutboxSender(
                    app.bot,
                    store,
                    chat_rate_per_s=settings.outbox_chat_rate_per_s,
                    shown_cards=app.bot_data[SERVICES_KEY].shown_cards,
                )
                running = Bot(emu, app, store, sender, errors, center_id)
                await running.text(MANAGER, "/start")
                running.check_clean()
                yield running
                await app.stop()
    finally:
        logging.getLogger().removeHandler(errors)
