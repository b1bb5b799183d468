"""Test-side API: acting as Telegram users (each action queues an update)."""

from __future__ import annotations

from bot.devtools.emulator.html_check import utf16_len
from bot.devtools.emulator.models import JSON, CallbackQueryRecord, EmulatedUser, SentMessage
from bot.devtools.emulator.render import bot_message_api, document_api, photo_sizes, voice_api
from bot.devtools.emulator.state import EmulatorState, now

# Telegram clients usually share phone numbers without the leading "+".
DEMO_PHONE = "6281234567890"
DEMO_LATITUDE = -7.7956
DEMO_LONGITUDE = 110.3695


class UserActionsMixin:
    """Methods that play users; all are synchronous so no bot reply can slip in between."""

    state: EmulatorState

    def user(
        self,
        user_id: int,
        first_name: str = "Budi",
        language_code: str | None = "id",
        username: str | None = None,
        last_name: str | None = None,
    ) -> EmulatedUser:
        """Register (or replace) a user; their private chat id equals user_id."""
        user = EmulatedUser(user_id, first_name, language_code, username, last_name)
        self.state.users[user_id] = user
        self.state.chat(user_id)
        return user

    def opened_before(self, user_id: int) -> None:
        """The user wrote to the bot in the past: Telegram knows their chat (setMyCommands)."""
        self.state.chat(user_id).opened = True

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends and edits to the chat answer 403."""
        self.state.chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        self.state.chat(user_id).blocked = False

    def _user_message(self, user_id: int, content: JSON) -> JSON:
        """Queue a message from the user; writing to a bot implies having unblocked it."""
        user = self.state.user(user_id)
        chat = self.state.chat(user_id)
        chat.blocked = False
        message_id = chat.take_message_id()
        chat.user_message_ids.add(message_id)
        chat.opened = True
        chat.last_user_action = self.state.version
        message: JSON = {
            "message_id": message_id,
            "from": user.to_api(),
            "chat": user.chat_api(),
            "date": now(),
            **content,
        }
        return self.state.push_update({"message": message})

    def edit_text(self, user_id: int, message_id: int, text: str) -> JSON:
        """The user edits one of their earlier messages (Telegram sends `edited_message`)."""
        user = self.state.user(user_id)
        self.state.chat(user_id).last_user_action = self.state.version
        message: JSON = {
            "message_id": message_id,
            "from": user.to_api(),
            "chat": user.chat_api(),
            "date": now(),
            "edit_date": now(),
            "text": text,
        }
        return self.state.push_update({"edited_message": message})

    def send_in_group(self, group_id: int, user_id: int, text: str) -> JSON:
        """A user writes in a group the bot is a member of (group ids are negative)."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        message: JSON = {
            "message_id": self.state.new_id(),
            "from": self.state.user(user_id).to_api(),
            "chat": {"id": group_id, "type": "group", "title": "Warga Leping"},
            "date": now(),
            **content,
        }
        return self.state.push_update({"message": message})

    def send_text(self, user_id: int, text: str) -> JSON:
        """Send text; a leading /command gets the bot_command entity CommandHandler needs."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._user_message(user_id, content)

    def send_contact(
        self,
        user_id: int,
        phone_number: str = DEMO_PHONE,
        *,
        first_name: str | None = None,
        contact_user_id: int | None = None,
        include_user_id: bool = True,
    ) -> JSON:
        """Share a contact; by default the user's own (contact.user_id == user_id)."""
        user = self.state.user(user_id)
        contact: JSON = {"phone_number": phone_number, "first_name": first_name or user.first_name}
        if include_user_id:
            contact["user_id"] = contact_user_id if contact_user_id is not None else user_id
        return self._user_message(user_id, {"contact": contact})

    def send_location(
        self, user_id: int, latitude: float = DEMO_LATITUDE, longitude: float = DEMO_LONGITUDE
    ) -> JSON:
        """Share a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user_id, {"location": location})

    def send_photo(self, user_id: int, data: bytes, caption: str | None = None) -> JSON:
        """Send a photo; the bot can getFile and download the same bytes."""
        stored = self.state.store_file(data, "photos", None, "image/jpeg")
        content: JSON = {"photo": photo_sizes(stored)}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content)

    def send_voice(
        self, user_id: int, data: bytes, duration: int = 3, caption: str | None = None
    ) -> JSON:
        """Send a voice message (OGG/Opus); the bot can getFile and download the same bytes."""
        stored = self.state.store_file(data, "voice", None, "audio/ogg")
        content: JSON = {"voice": voice_api(stored, duration)}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        filename: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> JSON:
        """Send a file as a document."""
        stored = self.state.store_file(data, "documents", filename, mime_type)
        content: JSON = {"document": document_api(stored)}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content)

    def press(
        self,
        user_id: int,
        message_id: int | None = None,
        callback_data: str | None = None,
        *,
        button_text: str | None = None,
        forge: str | None = None,
    ) -> str:
        """Press an inline button (by text and/or data); returns the callback query id.

        message_id None means the newest bot message with buttons. `forge` sends arbitrary
        callback_data without requiring a button, for tampering tests.
        """
        message = self._pressable_message(user_id, message_id)
        if forge is not None:
            data = forge
        else:
            data = self._button_data(message, callback_data, button_text)
        query_id = str(4_000_000_000_000_000_000 + self.state.new_id())
        self.state.callback_queries[query_id] = CallbackQueryRecord(
            query_id, user_id, message.message_id, data
        )
        self.state.chat(user_id).last_user_action = self.state.version
        query: JSON = {
            "id": query_id,
            "from": self.state.user(user_id).to_api(),
            "message": bot_message_api(self.state, message),
            "chat_instance": str(user_id * 7919 + 104729),
            "data": data,
        }
        self.state.push_update({"callback_query": query})
        return query_id

    def _pressable_message(self, user_id: int, message_id: int | None) -> SentMessage:
        """The (visible) bot message a press targets."""
        chat = self.state.chat(user_id)
        if message_id is None:
            with_buttons = [m for m in chat.messages if m.buttons and not m.deleted]
            if not with_buttons:
                raise AssertionError(f"chat {user_id} has no message with inline buttons")
            return with_buttons[-1]
        message = chat.find(message_id)
        if message is None or message.deleted:
            raise AssertionError(f"chat {user_id} has no visible bot message {message_id}")
        return message

    @staticmethod
    def _button_data(
        message: SentMessage, callback_data: str | None, button_text: str | None
    ) -> str:
        """callback_data of the matching button, or a descriptive AssertionError."""
        if callback_data is None and button_text is None:
            raise AssertionError("press() needs callback_data, button_text or forge")
        button = message.find_button(text=button_text, callback_data=callback_data)
        if button is None:
            shown = [(b.text, b.callback_data or b.url) for row in message.buttons for b in row]
            raise AssertionError(
                f"message {message.message_id} has no button text={button_text!r} "
                f"data={callback_data!r}; it shows {shown}"
            )
        if button.callback_data is None:
            raise AssertionError(f"button {button.text!r} is not a callback button ({button})")
        return button.callback_data

    def press_reply_button(
        self,
        user_id: int,
        text: str,
        *,
        phone_number: str = DEMO_PHONE,
        latitude: float = DEMO_LATITUDE,
        longitude: float = DEMO_LONGITUDE,
    ) -> JSON:
        """Tap a reply-keyboard button: sends its text, or a contact/location it requests."""
        keyboard = self.state.chat(user_id).reply_keyboard
        if keyboard is None:
            raise AssertionError(f"chat {user_id} shows no reply keyboard")
        button = keyboard.find(text)
        if button is None:
            raise AssertionError(f"reply keyboard has no {text!r}; it shows {keyboard.texts()}")
        if button.request_contact:
            return self.send_contact(user_id, phone_number)
        if button.request_location:
            return self.send_location(user_id, latitude, longitude)
        return self.send_text(user_id, text)
