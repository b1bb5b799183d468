"""A local Telegram Bot API emulator for end-to-end tests and the terminal demo."""

from bot.emulator.html_check import HtmlParseError, ParsedText, parse_html
from bot.emulator.models import (
    ApiErrorRecord,
    Button,
    EmulatedUser,
    EmulatorStats,
    KeyboardButton,
    ReplyKeyboard,
    SentMessage,
    StoredFile,
)
from bot.emulator.server import BotApiEmulator

__all__ = [
    "ApiErrorRecord",
    "BotApiEmulator",
    "Button",
    "EmulatedUser",
    "EmulatorStats",
    "HtmlParseError",
    "KeyboardButton",
    "ParsedText",
    "ReplyKeyboard",
    "SentMessage",
    "StoredFile",
    "parse_html",
]
