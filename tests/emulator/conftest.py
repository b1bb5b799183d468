"""Fixtures: an emulator per test and a small real PTB bot polling it."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.devtools.emulator import BotApiEmulator

TOKEN = "123:ABC"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [payload]: greets in HTML with an inline keyboard."""
    assert update.effective_user is not None and update.message is not None
    name = html.escape(update.effective_user.first_name)
    payload = f" ({html.escape(context.args[0])})" if context.args else ""
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Pesan", callback_data="order:1")],
            [InlineKeyboardButton("Bantuan", url="https://example.org/help")],
        ]
    )
    await update.message.reply_text(f"Halo <b>{name}</b>!{payload}", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any callback: answer it, then edit the message (which drops the keyboard)."""
    query = update.callback_query
    assert query is not None
    await query.answer("Oke")
    await query.edit_message_text(f"Dipilih: <code>{html.escape(query.data or '')}</code>")


async def ask_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kontak: shows a reply keyboard requesting the phone number."""
    assert update.message is not None
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("Bagikan nomor", request_contact=True)], ["Batal"]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await update.message.reply_text("Kirim nomor Anda", reply_markup=keyboard)


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared contact: confirm it and remove the keyboard."""
    assert update.message is not None and update.message.contact is not None
    contact = update.message.contact
    own = contact.user_id == update.message.chat_id
    await update.message.reply_text(
        f"Nomor: {contact.phone_number} milik sendiri: {own}", reply_markup=ReplyKeyboardRemove()
    )


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo: download it through getFile and report its size, then send a receipt."""
    assert update.message is not None
    photo_file = await update.message.photo[-1].get_file()
    data = await photo_file.download_as_bytearray()
    await update.message.reply_text(f"Foto {len(data)} byte")
    await update.message.reply_document(
        document=bytes(data[::-1]), filename="struk.txt", caption="<i>Struk</i>"
    )


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A voice message: name its type, then send the same recording back by file_id."""
    assert update.message is not None and update.message.voice is not None
    voice = update.message.voice
    await update.message.reply_text(f"Suara {voice.mime_type}")
    await update.message.reply_voice(voice.file_id, caption="<b>Balik</b>")


def build_app(emu: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    """The bot under test, wired to the emulator like the real bot will be."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{emu.url}/bot")
        .base_file_url(f"{emu.url}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("kontak", ask_contact))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.VOICE, on_voice))
    return app


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """A fresh emulator on a free port; afterwards no task (bot's or server's) may linger."""
    async with BotApiEmulator() as emulator:
        yield emulator
    await asyncio.sleep(0)
    current = asyncio.current_task()
    stray = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not stray, f"tasks left running: {stray}"


@pytest.fixture
async def app(emu: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The demo bot polling the emulator; stopped cleanly, leaving no tasks behind."""
    application = build_app(emu)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    # Stopping PTB's updater supersedes its own long poll; that must not look like a conflict.
    assert not [e for e in emu.errors if e.error_code == 409], emu.errors


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """A bare PTB Bot (real HTTPXRequest) for calling methods directly."""
    async with Bot(TOKEN, base_url=f"{emu.url}/bot", base_file_url=f"{emu.url}/file/bot") as b:
        yield b
