"""Playing Telegram users on the emulator: do what a person types, show what the bot sends.

`kiosdesa demo` (the bot in the same loop) and the emulator's `--chat` (the bot in another
process) share this: the same rules for numbers and `#3`, the same rendering.
"""

from __future__ import annotations

import copy
from pathlib import Path

from bot.devtools.demo.buttons import offers_buttons, pressed_button
from bot.devtools.demo.render import render_message, render_toast
from bot.devtools.demo.script import Action, ActionKind
from bot.devtools.demo.transcript import Transcript
from bot.devtools.demo.world import DEMO_PHONE, HOME_LAT, HOME_LON, Person
from bot.devtools.emulator import BotApiEmulator, SentMessage

# How long the bot may take before its first reaction to an action, and how long it must
# stay quiet afterwards before the next step (notifications go out through the outbox).
FIRST_REACTION_S = 10.0
QUIET_S = 0.3


class ChatActions:
    """People on an emulator: their actions sent, the bot's answers written to a transcript."""

    def __init__(self, emu: BotApiEmulator, transcript: Transcript) -> None:
        self.emu = emu
        self.transcript = transcript
        self.people: dict[str, Person] = {}
        self.media_dir: Path | None = None
        self._saved: dict[str, Path] = {}

    def check_bot(self) -> None:
        """DemoError when the bot can no longer answer; nothing is known by default."""

    def unanswered(self) -> bool:
        """Called when the bot did not react in time: True stops waiting for it."""
        return False

    def chat_label(self, chat_id: int) -> str:
        """How the transcript names a private chat: by the person in it."""
        for person in self.people.values():
            if person.user_id == chat_id:
                return person.label
        return f"chat {chat_id}"

    def show(self, message: SentMessage) -> None:
        """Print a send, edit or delete as it happens (a snapshot: edits change it later)."""
        snapshot = copy.copy(message)
        saved = self._save_media(snapshot)
        label = self.chat_label(snapshot.chat_id)
        self.transcript.write(render_message(snapshot, label, self.transcript.style, saved))

    def _save_media(self, message: SentMessage) -> Path | None:
        """Write a photo or document the bot sent into the media directory, once."""
        media = message.photo or message.document
        if media is None or self.media_dir is None:
            return None
        if media.file_id not in self._saved:
            path = self.media_dir / Path(media.file_path).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(media.data)
            self._saved[media.file_id] = path
        return self._saved[media.file_id]

    async def perform(self, person: Person, action: Action) -> None:
        """Do the action as `person` and wait until the bot has answered and gone quiet."""
        self.check_bot()
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
            reacted = answer is not None
            if answer is not None and answer.get("text"):
                style = self.transcript.style
                self.transcript.line(render_toast(answer["text"], answer["show_alert"], style))
        else:
            reacted = await self._changed_after(since, FIRST_REACTION_S)
        if not reacted and self.emu.pending_updates and self.unanswered():
            return
        while True:
            self.check_bot()
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
