"""One demo run: a throw-away database, the Bot API emulator and the real bot in one loop."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from bot.config import Settings
from bot.devtools.demo.acting import ChatActions
from bot.devtools.demo.script import DemoError
from bot.devtools.demo.transcript import Transcript
from bot.devtools.demo.world import (
    MANAGER_ID,
    VILLAGER_ID,
    Person,
    bypass_proxies_for_localhost,
    seed,
)
from bot.devtools.emulator import BotApiEmulator
from bot.runner import run_bot

TOKEN = "123456:KIOSDESA-DEMO"
STARTUP_S = 30.0
STOP_S = 15.0
OUTBOX_POLL_S = 0.2
# The demo's emulator enforces no flood limit: notifications need not wait a second a chat.
DEMO_CHAT_RATE = 1000.0
# A replayed script types faster than a person; the flood gate must not hold it back.
DEMO_FLOOD_BURST = 100_000


def _nothing() -> None:
    """Unsubscribing before subscribing."""


class DemoSession(ChatActions):
    """The real bot against the emulator, with a villager and a manager to play."""

    def __init__(self, transcript: Transcript, language: str = "en") -> None:
        super().__init__(BotApiEmulator(token=TOKEN), transcript)
        self.language = language
        self.stop = asyncio.Event()
        self.workdir: Path | None = None
        self.people = {
            "villager": Person(VILLAGER_ID, "villager"),
            "manager": Person(MANAGER_ID, "manager"),
        }
        self._bot: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] = _nothing

    async def __aenter__(self) -> DemoSession:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def database_path(self) -> Path:
        """The throw-away SQLite file (inside `workdir`, removed on close)."""
        assert self.workdir is not None, "the session is not started"
        return self.workdir / "demo.db"

    async def start(self) -> None:
        """Seed a fresh database, start the emulator and the bot, wait until it polls."""
        self.workdir = Path(tempfile.mkdtemp(prefix="kiosdesa-demo-"))
        self.media_dir = self.workdir / "files"
        try:
            await self._start()
        except BaseException:
            await self.close()  # `async with` does not exit what failed to enter
            raise

    async def _start(self) -> None:
        """The steps of `start`, in the work directory it made."""
        database_url = f"sqlite:///{self.database_path}"
        await seed(database_url, self.language)
        bypass_proxies_for_localhost()
        await self.emu.start()
        self.emu.user(MANAGER_ID, "Pak Joko", language_code="en")
        self.emu.user(VILLAGER_ID, "Siti", language_code=self.language)
        self._unsubscribe = self.emu.on_change(self.show)
        settings = Settings(
            bot_token=TOKEN,
            database_url=database_url,
            telegram_api_url=self.emu.url,
            outbox_poll_seconds=OUTBOX_POLL_S,
            outbox_chat_rate_per_s=DEMO_CHAT_RATE,
            flood_burst=DEMO_FLOOD_BURST,
        )
        self._bot = asyncio.create_task(run_bot(settings, self.stop), name="kiosdesa-demo-bot")
        await self._wait_polling()

    async def _wait_polling(self) -> None:
        """Return once the bot asks for updates; DemoError if it fails to start."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_S
        while self.emu.stats.requests["getUpdates"] == 0 and not self.stop.is_set():
            self.check_bot()
            if loop.time() > deadline:
                raise DemoError(f"the bot did not start within {STARTUP_S:g}s")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        """Stop the bot, then the emulator, and delete the database; safe to call twice."""
        self.stop.set()
        self._unsubscribe()
        self._unsubscribe = _nothing
        try:
            if self._bot is not None:
                bot, self._bot = self._bot, None
                await _finish(bot)
        finally:
            await self.emu.stop()
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
                self.workdir = self.media_dir = None

    def person(self, who: str) -> Person:
        """`villager`, `manager` or a user id (a new villager, registered on first use)."""
        if who in self.people:
            return self.people[who]
        if not who.isdigit():
            raise DemoError(f"unknown person {who!r}: use villager, manager or a user id")
        user_id = int(who)
        for person in self.people.values():
            if person.user_id == user_id:
                return person
        person = Person(user_id, f"villager {user_id}")
        self.emu.user(user_id, f"Warga {user_id}", language_code=self.language)
        self.people[who] = person
        return person

    def check_bot(self) -> None:
        """DemoError with the cause if the bot task has ended."""
        if self._bot is None or not self._bot.done():
            return
        failure = None if self._bot.cancelled() else self._bot.exception()
        raise DemoError(f"the bot stopped: {failure!r}" if failure else "the bot stopped")


async def _finish(bot: asyncio.Task[None]) -> None:
    """Wait for the bot to stop (its stop event is set); cancel it if it takes too long."""
    try:
        await asyncio.wait_for(bot, timeout=STOP_S)
    except TimeoutError:
        pass  # wait_for has cancelled it: nothing of it keeps running
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # we are being cancelled ourselves, not (only) the bot
    except Exception:
        pass  # it crashed earlier, and perform() has said so; closing still has to finish
