"""A local Telegram Bot API emulator for end-to-end tests and the terminal demo.

Typical test::

    async with BotApiEmulator() as emu:
        app = (ApplicationBuilder().token("123:ABC")
               .base_url(f"{emu.url}/bot").base_file_url(f"{emu.url}/file/bot").build())
        ...  # initialize, start, updater.start_polling(poll_interval=0.0, timeout=1)
        emu.user(42, "Budi")
        emu.send_text(42, "/start")
        menu = await emu.wait_for(42, contains="Halo")
        query_id = emu.press(42, menu.message_id, button_text="Pesan")
        await emu.wait_callback_answered(query_id)
        assert not [e for e in emu.errors if "parse entities" in e.description]

User actions are synchronous, so nothing the bot does can slip in between an action and
the following `wait_for` (which by default only looks at messages sent or edited after
the latest user action in that chat).
"""

from bot.devtools.emulator.faults import Fault, FaultKind, FaultSchedule
from bot.devtools.emulator.html_check import HtmlParseError, ParsedText, parse_html
from bot.devtools.emulator.models import (
    ApiErrorRecord,
    Button,
    EmulatedUser,
    EmulatorStats,
    KeyboardButton,
    ReplyKeyboard,
    SentMessage,
    StoredFile,
)
from bot.devtools.emulator.server import BotApiEmulator

__all__ = [
    "ApiErrorRecord",
    "BotApiEmulator",
    "Button",
    "EmulatedUser",
    "EmulatorStats",
    "Fault",
    "FaultKind",
    "FaultSchedule",
    "HtmlParseError",
    "KeyboardButton",
    "ParsedText",
    "ReplyKeyboard",
    "SentMessage",
    "StoredFile",
    "parse_html",
]
