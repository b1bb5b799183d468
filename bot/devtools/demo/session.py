"""One demo run: a throw-away database, the Bot API emulator and the real bot in one loop."""

from __future__ import annotations

import asyncio
import copy
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from bot.config import Settings
from bot.devtools.demo.buttons import offers_buttons, pressed_button
from bot.devtools.demo.render import render_message, render_toast
from bot.devtools.demo.script import Action, ActionKind, DemoError
from bot.devtools.demo.transcript import Transcript
from bot.devtools.demo.world import (
    DEMO_PHONE,
    HOME_LAT,
    HOME_LON,
    MANAGER_ID,
    VILLAGER_ID,
    Person,
    bypass_proxies_for_localhost,
    seed,
)
from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.runner import run_bot

TOKEN = "123456:KIOSDESA-DEMO"
# How long the bot may take before its first reaction to an action, and how long it must
# stay quiet afterwards before the next step (notifications go out through the outbox).
FIRST_REACTION_S = 10.0
QUIET_S = 0.3
STARTUP_S = 30.0
STOP_S = 15.0
OUTBOX_POLL_S = 0.2
# The demo's emulator enforces no flood limit: notifications need not wait a second a chat.
DEMO_CHAT_RATE = 1000.0
# A replayed script types faster than a person; the flood gate must not hold it back.
DEMO_FLOOD_BURST = 100_000


def _nothing() -> None:
    """Unsubscribing before subscribing."""


class DemoSession:
    """The real bot against the emulator, with a villager and a manager to play."""

    def __init__(self, transcript: Transcript, language: str = "en") -> None:
        self.transcript = transcript
        self.language = language
        self.stop = asyncio.Event()
        self.workdir: Path | None = None
        self.emu = BotApiEmulator(token=TOKEN)
        self.people = {
            "villager": Person(VILLAGER_ID, "villager"),
            "manager": Person(MANAGER_ID, "manager"),
        }
        self._bot: asyncio.Task[None] | None = None
        self._saved: dict[str, Path] = {}
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
        self._unsubscribe = self.emu.on_change(self._show)
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
            self._check_bot_alive()
            if loop.time() > deadline:
                raise DemoError(f"the bot did not start within {STARTUP_S:g}s")
            await asyncio.sleep(0.02)

    def _check_bot_alive(self) -> None:
        """DemoError with the cause if the bot task has ended."""
        if self._bot is None or not self._bot.done():
            return
        failure = None if self._bot.cancelled() else self._bot.exception()
        raise DemoError(f"the bot stopped: {failure!r}" if failure else "the bot stopped")

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
                self.workdir = None

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

    def chat_label(self, chat_id: int) -> str:
        """How the transcript names a private chat: by the person in it."""
        for person in self.people.values():
            if person.user_id == chat_id:
                return person.label
        return f"chat {chat_id}"

    def _show(self, message: SentMessage) -> None:
        """Print a send, edit or delete as it happens (a snapshot: edits change it later)."""
        snapshot = copy.copy(message)
        saved = self._save_media(snapshot)
        label = self.chat_label(snapshot.chat_id)
        self.transcript.write(render_message(snapshot, label, self.transcript.style, saved))

    def _save_media(self, message: SentMessage) -> Path | None:
        """Write a photo or document the bot sent into the work directory, once."""
        media = message.photo or message.document
        if media is None or self.workdir is None:
            return None
        if media.file_id not in self._saved:
            path = self.workdir / "files" / Path(media.file_path).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(media.data)
            self._saved[media.file_id] = path
        return self._saved[media.file_id]

    async def perform(self, person: Person, action: Action) -> None:
        """Do the action as `person` and wait until the bot has answered and gone quiet."""
        self._check_bot_alive()
        query_id: str | None = None
        chat = self.emu.messages(person.user_id, include_deleted=False)
        if action.kind is ActionKind.NUMBER and not offers_buttons(chat):
            action = Action(ActionKind.TEXT, action.value)  # the bot asked for text
        if action.kind in (ActionKind.PRESS, ActionKind.NUMBER, ActionKind.BUTTON):
            message, number, button = pressed_button(chat, person.label, action)
            if button.text != action.value:
                self._aside(f"(presses [{number}] {button.text})")
            if button.callback_data is None:
                self._aside(f"(the button opens {button.url})")
                return
            query_id = self.emu.press(
                person.user_id, message.message_id, callback_data=button.callback_data
            )
        elif action.kind is ActionKind.CONTACT:
            self._aside(f"(shares the phone number +{DEMO_PHONE})")
            self._share(person, "request_contact")
        elif action.kind is ActionKind.LOCATION:
            self._aside(f"(shares the location {HOME_LAT:.4f}, {HOME_LON:.4f})")
            self._share(person, "request_location")
        else:
            self.emu.send_text(person.user_id, action.value)
        await self._settle(query_id)

    def _aside(self, text: str) -> None:
        """What the action did, when the line typed does not say it: `3` pressed "Approve"."""
        self.transcript.line("  " + self.transcript.style.dim(text))

    def _share(self, person: Person, request: str) -> None:
        """Tap the keyboard button asking for a contact or location, or attach one anyway."""
        keyboard = self.emu.reply_keyboard(person.user_id)
        buttons = [b for row in keyboard.rows for b in row] if keyboard else []
        button = next((b for b in buttons if getattr(b, request)), None)
        if button is not None:
            self.emu.press_reply_button(
                person.user_id,
                button.text,
                phone_number=DEMO_PHONE,
                latitude=HOME_LAT,
                longitude=HOME_LON,
            )
        elif request == "request_contact":
            # Telegram lets a user attach their contact without a keyboard button too.
            self.emu.send_contact(person.user_id, DEMO_PHONE)
        else:
            self.emu.send_location(person.user_id, HOME_LAT, HOME_LON)

    async def _settle(self, query_id: str | None) -> None:
        """Wait for the bot's first reaction, then until nothing changes for QUIET_S."""
        state = self.emu.state
        since = state.version
        if query_id is not None:
            answer = await state.notifier.wait_until(
                lambda: state.callback_queries[query_id].answer, FIRST_REACTION_S
            )
            if answer is not None and answer.get("text"):
                style = self.transcript.style
                self.transcript.line(render_toast(answer["text"], answer["show_alert"], style))
        else:
            await self._changed_after(since, FIRST_REACTION_S)
        while True:
            self._check_bot_alive()
            changed = await self._changed_after(state.version, QUIET_S)
            if not changed and self.emu.pending_updates == 0:
                return

    async def _changed_after(self, version: int, within: float) -> bool:
        """Whether the emulator saw any change (a message, an answer) within `within` s."""
        state = self.emu.state
        changed = await state.notifier.wait_until(
            lambda: True if state.version > version else None, within
        )
        return changed is not None


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
