"""The reference for bench/e2e_bench.py: a bare python-telegram-bot echo bot.

One Application, one MessageHandler echoing text, polled with the same settings as
`kiosdesa run` (poll_interval 0, long-poll timeout 10 s). Reads BOT_TOKEN and
TELEGRAM_API_URL like the product; SIGTERM stops it.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

LONG_POLL_TIMEOUT_S = 10  # as bot/serving.py


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def main() -> None:
    """Poll until SIGTERM."""
    root = os.environ["TELEGRAM_API_URL"].rstrip("/")
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(
        poll_interval=0.0, timeout=LONG_POLL_TIMEOUT_S, allowed_updates=Update.ALL_TYPES
    )


if __name__ == "__main__":
    main()
