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

Several bots: `shop = emu.add_bot("555:XYZ", username="desa_b_bot", name="Kios B")` returns
an `EmulatedBot` with the same user actions and reads, scoped to that bot (`shop.send_text`,
`shop.wait_for`...); people are shared between bots. Once a bot is added, unknown tokens get
401. A bot that calls setWebhook gets its updates POSTed to the URL (loopback only; map a
public https URL with `emu.route_webhook(public_prefix, local_prefix)`).

User actions are synchronous, so nothing the bot does can slip in between an action and
the following `wait_for` (which by default only looks at messages sent or edited after
the latest user action in that chat).
"""

from bot.devtools.emulator.bots import EmulatedBot
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
    WebhookSettings,
)
from bot.devtools.emulator.server import BotApiEmulator
from bot.devtools.emulator.webhook import SECRET_HEADER, RetryPolicy

__all__ = [
    "SECRET_HEADER",
    "ApiErrorRecord",
    "BotApiEmulator",
    "Button",
    "EmulatedBot",
    "EmulatedUser",
    "EmulatorStats",
    "Fault",
    "FaultKind",
    "FaultSchedule",
    "HtmlParseError",
    "KeyboardButton",
    "ParsedText",
    "ReplyKeyboard",
    "RetryPolicy",
    "SentMessage",
    "StoredFile",
    "WebhookSettings",
    "parse_html",
]
