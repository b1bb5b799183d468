"""Test-side API: inspecting what the bot did, and waiting for it race-free."""

from __future__ import annotations

from collections.abc import Callable

from bot.devtools.emulator.models import JSON, ReplyKeyboard, SentMessage
from bot.devtools.emulator.state import EmulatorState

DEFAULT_TIMEOUT = 10.0


class ReadingMixin:
    """Read-only views plus waiters; the state is shared with the HTTP handlers."""

    state: EmulatorState

    def messages(self, chat_id: int, *, include_deleted: bool = True) -> list[SentMessage]:
        """Bot messages in the chat, oldest first (live objects: edits show up in place)."""
        chat = self.state.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages if include_deleted or not m.deleted]

    def last_message(self, chat_id: int) -> SentMessage:
        """The newest visible bot message; AssertionError if there is none."""
        visible = self.messages(chat_id, include_deleted=False)
        if not visible:
            raise AssertionError(f"the bot has sent nothing visible to chat {chat_id}")
        return visible[-1]

    def mark(self, chat_id: int | None = None) -> int:
        """A marker for `wait_for(after=...)`: later sends and edits are "after" it."""
        return self.state.version

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        contains: str | None = None,
        after: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a plain deadline, not I/O
    ) -> SentMessage:
        """Wait for a bot message, sent or edited after `after`, matching the filters.

        Without `after`, the marker is the latest user action in this chat (send_* or
        press), or "now" if the test has not acted in the chat yet. Several messages may
        match: the one earliest in the chat wins.
        """
        chat = self.state.chat(chat_id)
        if after is None:
            after = chat.last_user_action
        since = self.state.version if after is None else after

        def match() -> SentMessage | None:
            """The earliest visible message that changed after the marker and matches."""
            for message in chat.messages:
                if message.version <= since or message.deleted:
                    continue
                if contains is not None and contains not in message.text:
                    continue
                if predicate is None or predicate(message):
                    return message
            return None

        found = await self.state.notifier.wait_until(match, timeout)
        if found is None:
            raise AssertionError(
                f"no bot message in chat {chat_id} matching contains={contains!r} "
                f"within {timeout}s; recent: {self._describe_recent(chat_id)}"
            )
        return found

    def on_change(self, listener: Callable[[SentMessage], None]) -> Callable[[], None]:
        """Call `listener` on every bot send, edit or delete; returns an unsubscribe function.

        Meant for live views such as the terminal demo; tests should prefer `wait_for`.
        """
        self.state.listeners.append(listener)
        return lambda: self.state.listeners.remove(listener)

    def _describe_recent(self, chat_id: int) -> list[str]:
        """Short summaries of the last messages, for failure output."""
        return [
            f"#{m.message_id} v{m.version}{' deleted' if m.deleted else ''}: {m.text[:80]!r}"
            for m in self.messages(chat_id)[-5:]
        ]

    @property
    def callback_answers(self) -> dict[str, JSON]:
        """Answered callback queries: query id -> answerCallbackQuery parameters."""
        return {
            query_id: record.answer
            for query_id, record in self.state.callback_queries.items()
            if record.answer is not None
        }

    async def wait_callback_answered(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain deadline, not I/O
    ) -> JSON:
        """Wait until the bot answered the callback query; returns the answer."""
        record = self.state.callback_queries.get(query_id)
        if record is None:
            raise AssertionError(f"unknown callback query {query_id}")
        answer = await self.state.notifier.wait_until(lambda: record.answer, timeout)
        if answer is None:
            raise AssertionError(f"callback query {query_id} was not answered in {timeout}s")
        return answer

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fetched and confirmed every queued update."""
        done = await self.state.notifier.wait_until(
            lambda: True if len(self.state.updates) == 0 else None, timeout
        )
        if done is None:
            raise AssertionError(f"{len(self.state.updates)} updates still pending")

    @property
    def pending_updates(self) -> int:
        """Updates queued but not yet confirmed by the bot."""
        return len(self.state.updates)

    def commands(
        self, scope_type: str = "default", chat_id: int | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """(command, description) pairs set for exactly this scope and language."""
        stored = self.state.commands.get((scope_type, chat_id, language_code), [])
        return [(c["command"], c["description"]) for c in stored]

    def visible_commands(self, chat_id: int, language_code: str = "") -> list[tuple[str, str]]:
        """The command menu a private-chat user would see, resolving scopes like Telegram."""
        order = [("chat", chat_id), ("all_private_chats", None), ("default", None)]
        for scope_type, scope_chat in order:
            for language in ([language_code] if language_code else []) + [""]:
                if (scope_type, scope_chat, language) in self.state.commands:
                    return self.commands(scope_type, scope_chat, language)
        return []

    def reply_keyboard(self, chat_id: int) -> ReplyKeyboard | None:
        """The reply keyboard currently shown in the chat (None after remove_keyboard)."""
        chat = self.state.chats.get(chat_id)
        return chat.reply_keyboard if chat else None

    def chat_actions(self, chat_id: int) -> list[str]:
        """sendChatAction actions received for the chat, in order."""
        chat = self.state.chats.get(chat_id)
        return list(chat.actions) if chat else []

    def menu_button(self, chat_id: int | None = None) -> JSON | None:
        """The menu button set for the chat (None key = default)."""
        return self.state.menu_buttons.get(chat_id)

    def file_bytes(self, file_id: str) -> bytes:
        """Bytes stored under a file_id (uploads by the bot or by users)."""
        return self.state.files[file_id].data
