"""The emulator as Telegram for a bot running elsewhere: play its users at the terminal.

`python -m bot.devtools.emulator --chat` (or `kiosdesa emulator --chat`) serves the Bot API
and, in the same process, reads what a person types: each line is sent as the Telegram user
being played, and whatever the bot (a separate `kiosdesa run`) sends is printed as in
`kiosdesa demo`, with the same rules for numbers, `#3`, `contact` and `location`.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.devtools.demo.acting import ChatActions
from bot.devtools.demo.reading import reader_for
from bot.devtools.demo.script import DemoError
from bot.devtools.demo.terminal import converse, stop_on_signals, until_stopped
from bot.devtools.demo.transcript import Transcript
from bot.devtools.demo.world import Person
from bot.devtools.emulator import BotApiEmulator

HELP = """\
Type what the person would type in Telegram; it is sent to the bot. Also:
  3                 press button 3 of the bot's last message, if it shows buttons; when it
                    asks for text instead (no buttons), 3 is sent as text
  #3                press button 3 of the latest message shown with buttons, always
  line \\           end a line with \\ to go on in the next: one message of several lines
  press LABEL       press the button labelled LABEL (or the only one containing it)
  contact           share the phone number (the keyboard's contact button)
  location          share the location (the keyboard's location button)
  say TEXT          send TEXT as it is, even if it reads like one of the above
  :as USER_ID NAME  play the Telegram user USER_ID (NAME names a new one)
  :help             this help
  :quit             leave (Ctrl-D and Ctrl-C too); the emulator stops with it"""


class LiveChat(ChatActions):
    """Telegram users on the emulator, played one at a time; the bot is another process."""

    def __init__(self, emu: BotApiEmulator, transcript: Transcript, language: str) -> None:
        super().__init__(emu, transcript)
        self.language = language

    def person(self, user_id: int, name: str = "") -> Person:
        """The user with this id: registered with `name` on first use, renamed when given."""
        known = self.people.get(str(user_id))
        if known is not None and (not name or name == known.label):
            return known
        person = Person(user_id, name or f"user {user_id}")
        self.emu.user(user_id, name or f"Warga {user_id}", language_code=self.language)
        self.people[str(user_id)] = person
        return person

    def switch(self, name: str, argument: str) -> Person:
        """`:as USER_ID [NAME]`; DemoError for anything else."""
        user_id, _, person_name = argument.partition(" ")
        if name == "as" and user_id.isdigit() and int(user_id) > 0:
            return self.person(int(user_id), person_name.strip())
        raise DemoError(f"unknown command ':{name}'; :help lists them (:as USER_ID NAME)")

    def unanswered(self) -> bool:
        """No bot fetched the update: say what to start, and let the person go on."""
        self.transcript.note(
            "no answer yet: no bot has fetched this. Start it in another terminal with "
            f"TELEGRAM_API_URL={self.emu.url} and this emulator's token; "
            "its answers show here when they come"
        )
        return True


async def run_chat(
    emu: BotApiEmulator,
    user_id: int,
    name: str,
    language: str = "en",
    out: TextIO | None = None,
) -> int:
    """Chat as Telegram users on a started emulator until :quit, Ctrl-D or Ctrl-C."""
    transcript = Transcript(out if out is not None else sys.stdout)
    chat = LiveChat(emu, transcript, language)
    chat.media_dir = Path(tempfile.mkdtemp(prefix="kiosdesa-chat-"))
    stop = asyncio.Event()
    transcript.on_closed = stop.set
    unsubscribe = emu.on_change(chat.show)
    try:
        first = chat.person(user_id, name)
        _banner(chat, first)
        reader = reader_for(sys.stdin, transcript)
        with stop_on_signals(stop):
            work = converse(chat, reader, first, chat.switch, HELP)
            result = await until_stopped(stop, work)
    finally:
        unsubscribe()
        shutil.rmtree(chat.media_dir, ignore_errors=True)
    if result is None:
        transcript.write(["", transcript.style.dim("-- stopped")])
        return 0
    return result


def _banner(chat: LiveChat, first: Person) -> None:
    """Who is being played and how to go on."""
    chat.transcript.write(
        [
            f"Chat as Telegram users on this emulator ({chat.emu.url}). Start the bot in another",
            f"terminal with TELEGRAM_API_URL={chat.emu.url} and the emulator's token.",
            f"You are {first.label} (user {first.user_id}); `:as USER_ID NAME` plays someone "
            "else; `:help` lists commands.",
            "A number presses that button of the bot's last message when it shows buttons;",
            "when the bot asked for text, the number is sent as text. `#3` always presses",
            f"button 3. Pictures the bot sends are saved in {chat.media_dir} until you leave.",
            "",
        ]
    )
