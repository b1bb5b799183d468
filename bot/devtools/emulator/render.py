"""Turning stored records into Bot API objects."""

from __future__ import annotations

from bot.devtools.emulator.models import JSON, SentMessage, StoredFile
from bot.devtools.emulator.state import EmulatorState

PHOTO_SIDE = 320


def photo_sizes(stored: StoredFile) -> list[JSON]:
    """A PhotoSize list; one size is enough for bots that take the largest (last) one."""
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": PHOTO_SIDE,
            "height": PHOTO_SIDE,
            "file_size": len(stored.data),
        }
    ]


def document_api(stored: StoredFile) -> JSON:
    """A Document object."""
    data: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.filename:
        data["file_name"] = stored.filename
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    return data


def voice_api(stored: StoredFile, duration: int = 1) -> JSON:
    """A Voice object (an OGG/Opus recording)."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "duration": duration,
        "mime_type": stored.mime_type or "audio/ogg",
        "file_size": len(stored.data),
    }


def file_api(stored: StoredFile) -> JSON:
    """A File object as getFile returns it (relative path, PTB prefixes the file URL)."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def bot_message_api(state: EmulatorState, message: SentMessage) -> JSON:
    """The Message object for something the bot sent, as Telegram returns it."""
    data: JSON = {
        "message_id": message.message_id,
        "from": state.bot_user(),
        "chat": state.chat_api(message.chat_id),
        "date": message.date,
    }
    body_key = "text" if message.kind == "text" else "caption"
    if message.text:
        data[body_key] = message.text
    if message.entities:
        data["entities" if body_key == "text" else "caption_entities"] = message.entities
    if message.photo is not None:
        data["photo"] = photo_sizes(message.photo)
    if message.document is not None:
        data["document"] = document_api(message.document)
    if message.voice is not None:
        data["voice"] = voice_api(message.voice)
    if message.inline_markup is not None:
        data["reply_markup"] = message.inline_markup
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    return data
