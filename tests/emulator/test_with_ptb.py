"""End-to-end: a real PTB Application polls the emulator over HTTP."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from bot.devtools.emulator import BotApiEmulator

USER = 111


async def test_start_reply_and_buttons(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """/start is routed by CommandHandler and answered with HTML text and buttons."""
    emu.user(USER, "Budi & Sri")
    update = emu.send_text(USER, "/start")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await emu.wait_for(USER, contains="Halo", timeout=3)
    assert reply.text == "Halo Budi & Sri!"
    assert reply.html == "Halo <b>Budi &amp; Sri</b>!"
    assert reply.entities == [{"type": "bold", "offset": 5, "length": 10}]
    assert [[(b.text, b.callback_data, b.url) for b in row] for row in reply.buttons] == [
        [("Pesan", "order:1", None)],
        [("Bantuan", None, "https://example.org/help")],
    ]
    assert reply.message_id == update["message"]["message_id"] + 1
    assert emu.last_message(USER) is reply
    assert not emu.errors


async def test_start_payload(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """A deep-link payload reaches context.args; the entity covers only "/start"."""
    emu.send_text(USER, "/start LEPING")
    reply = await emu.wait_for(USER, timeout=3)
    assert reply.text.endswith("(LEPING)")


async def test_press_answers_and_edits(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """Pressing a button answers the query and edits the message in place."""
    emu.send_text(USER, "/start")
    menu = await emu.wait_for(USER, contains="Halo", timeout=3)
    query_id = emu.press(USER, menu.message_id, button_text="Pesan")
    assert await emu.wait_callback_answered(query_id, timeout=3) == {
        "show_alert": False,
        "text": "Oke",
    }
    edited = await emu.wait_for(USER, lambda m: m.edited == 1, timeout=3)
    assert edited is menu
    assert edited.text == "Dipilih: order:1"
    assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert edited.history == ["Halo User111!"]  # users not registered get a default name
    assert emu.callback_answers[query_id]["text"] == "Oke"


async def test_press_errors_are_clear(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """Missing buttons and URL buttons fail loudly; forged data reaches the bot."""
    emu.send_text(USER, "/start")
    menu = await emu.wait_for(USER, timeout=3)
    with pytest.raises(AssertionError, match="no button"):
        emu.press(USER, menu.message_id, button_text="Tidak ada")
    with pytest.raises(AssertionError, match="not a callback button"):
        emu.press(USER, menu.message_id, button_text="Bantuan")
    with pytest.raises(AssertionError, match="no visible bot message"):
        emu.press(USER, 999, "order:1")
    query_id = emu.press(USER, None, forge="admin:delete_all")
    await emu.wait_callback_answered(query_id, timeout=3)
    assert (await emu.wait_for(USER, timeout=3)).text == "Dipilih: admin:delete_all"


async def test_reply_keyboard_contact(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """A request_contact button sends the user's own contact; remove_keyboard clears it."""
    emu.send_text(USER, "/kontak")
    await emu.wait_for(USER, contains="Kirim nomor", timeout=3)
    keyboard = emu.reply_keyboard(USER)
    assert keyboard is not None and keyboard.texts() == ["Bagikan nomor", "Batal"]
    assert keyboard.rows[0][0].request_contact and keyboard.one_time_keyboard
    emu.press_reply_button(USER, "Bagikan nomor", phone_number="+6281111")
    reply = await emu.wait_for(USER, contains="Nomor", timeout=3)
    assert reply.text == "Nomor: +6281111 milik sendiri: True"
    assert reply.removes_keyboard and emu.reply_keyboard(USER) is None


async def test_photo_roundtrip(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """The bot downloads a user's photo via getFile and uploads a document back."""
    mark = emu.mark(USER)
    emu.send_photo(USER, b"\x89PNG fake bytes")
    size_reply = await emu.wait_for(USER, contains="Foto", after=mark, timeout=3)
    assert size_reply.text == "Foto 15 byte"
    receipt = await emu.wait_for(USER, lambda m: m.kind == "document", after=mark, timeout=3)
    assert receipt.document is not None
    assert receipt.document.data == b"setyb ekaf GNP\x89"
    assert receipt.document.filename == "struk.txt"
    assert receipt.caption == "Struk" and receipt.html == "<i>Struk</i>"
    assert emu.file_bytes(receipt.document.file_id) == receipt.document.data


async def test_voice_roundtrip(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """A user's voice message reaches the bot as Voice; sendVoice by file_id sends it back."""
    mark = emu.mark(USER)
    update = emu.send_voice(USER, b"OggS fake opus", duration=4)
    sent_id = update["message"]["voice"]["file_id"]
    await emu.wait_for(USER, contains="Suara audio/ogg", after=mark, timeout=3)
    echoed = await emu.wait_for(USER, lambda m: m.kind == "voice", after=mark, timeout=3)
    assert echoed.voice is not None and echoed.voice.file_id == sent_id
    assert echoed.voice.data == b"OggS fake opus"
    assert echoed.caption == "Balik" and echoed.html == "<b>Balik</b>"


async def test_wait_for_after_mark(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    """Messages that arrived while the test awaited something else are not missed."""
    emu.send_text(USER, "/start")
    first = await emu.wait_for(USER, timeout=3)
    mark = emu.mark(USER)
    query_id = emu.press(USER, first.message_id, "order:1")
    await emu.wait_callback_answered(query_id, timeout=3)
    await emu.wait_idle(timeout=3)
    assert (await emu.wait_for(USER, contains="Dipilih", after=mark, timeout=3)) is first
    with pytest.raises(AssertionError, match="no bot message"):
        await emu.wait_for(USER, contains="never", timeout=0.05)
