"""PTB persistence kept in the project's database: dialog states and per-user dialog data."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from storage.db import Database, upsert
from storage.schema import conversations, user_data
from storage.update_claim import UpdateClaim, current_claim, mark_along

# Queue often; bot.app also flushes after every update, which is what makes it durable.
UPDATE_INTERVAL_S = 1.0


def _key(key: ConversationKey) -> str:
    return json.dumps(list(key))


# The key of the default bot's dialogs (BOT_TOKEN's, whatever its id: a new token keeps them).
DEFAULT_BOT_KEY = 0
_BOT = sa.bindparam("bot", type_=user_data.c.bot_id.type)
# Written on most updates, so built once.
_USER_DATA_DELETE = user_data.delete().where(
    user_data.c.bot_id == _BOT,
    user_data.c.user_id == sa.bindparam("user", type_=user_data.c.user_id.type),
)
_CONVERSATION_DELETE = conversations.delete().where(
    conversations.c.bot_id == _BOT,
    conversations.c.name == sa.bindparam("dialog", type_=conversations.c.name.type),
    conversations.c.key == sa.bindparam("chat_key", type_=conversations.c.key.type),
)


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Stores user_data and ConversationHandler states; bot and chat data stay in memory.

    Updates are buffered and written by `flush()` in one transaction, so a dialog's step and
    its draft are saved together or not at all; the application flushes after every update.
    Each bot keeps its own (`bot_key`: its Telegram id, 0 for the default bot): one person's
    dialog with one bot is not their dialog with another.
    A change queued while an inbox update is handled carries that update's claim, and the
    flush that writes the change marks the update handled in the same transaction (whichever
    update's flush it is): a step is saved and "handled" at once, so a replay after a kill
    never finds it applied (storage/update_claim.py).
    """

    def __init__(self, db: Database, bot_key: int = DEFAULT_BOT_KEY) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=UPDATE_INTERVAL_S,
        )
        self.db = db
        self.bot_key = bot_key
        self._users: dict[int, str | None] = {}
        # What the database holds for each user, so an unchanged user_data is not rewritten.
        self._stored_users: dict[int, str | None] = {}
        self._conversations: dict[tuple[str, str], str | None] = {}
        # The inbox updates whose changes are queued, marked handled by the flush writing them.
        self._claims: list[UpdateClaim] = []
        self._flushing = asyncio.Lock()

    def _claimed_by_current_update(self) -> None:
        """The change just queued belongs to the update being handled, if any."""
        claim = current_claim()
        if claim is not None:
            self._claims.append(claim)

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        """Every stored user's dialog data."""
        async with self.db.read() as conn:
            mine = sa.select(user_data).where(user_data.c.bot_id == self.bot_key)
            rows = (await conn.execute(mine)).all()
        self._stored_users = {int(row.user_id): row.data for row in rows}
        return {int(row.user_id): json.loads(row.data) for row in rows}

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Queue one user's dialog data for the next flush (empty data is deleted).

        PTB hands over every user an update came from, changed or not: data the database
        already holds is not queued, so most updates write nothing at all.
        """
        encoded = json.dumps(data) if data else None
        if user_id not in self._users and self._stored_users.get(user_id) == encoded:
            return
        self._users[user_id] = encoded
        self._claimed_by_current_update()

    async def drop_user_data(self, user_id: int) -> None:
        """Queue forgetting one user's dialog data."""
        self._users[user_id] = None
        self._claimed_by_current_update()

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def get_conversations(self, name: str) -> ConversationDict:
        """The stored states of one ConversationHandler."""
        query = sa.select(conversations).where(
            conversations.c.bot_id == self.bot_key, conversations.c.name == name
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {tuple(json.loads(row.key)): json.loads(row.state) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Queue one conversation's state (None clears it) for the next flush."""
        self._conversations[(name, _key(key))] = (
            None if new_state is None else json.dumps(new_state)
        )
        self._claimed_by_current_update()

    async def flush(self) -> None:
        """Write every queued change in one transaction; on failure they stay queued.

        Flushes take turns: one that finds nothing queued may only return once an earlier
        flush, which may hold its changes, has written them (updates of several users are
        handled at once, each flushing when it is done).
        """
        async with self._flushing:
            users, self._users = self._users, {}
            states, self._conversations = self._conversations, {}
            claims, self._claims = self._claims, []
            if not users and not states:
                return
            try:
                await self._write(users, states, claims)
            except BaseException:
                # Changes queued meanwhile are newer: they win over the ones given back.
                self._users = {**users, **self._users}
                self._conversations = {**states, **self._conversations}
                self._claims = claims + self._claims
                raise

    async def _write(
        self,
        users: dict[int, str | None],
        states: dict[tuple[str, str], str | None],
        claims: list[UpdateClaim],
    ) -> None:
        marking: list[UpdateClaim] = []
        committed = False
        try:
            async with self.db.write() as conn:
                marking = await mark_along(conn, claims)
                await self._write_changes(conn, users, states)
            committed = True
        finally:
            for claim in marking:
                claim.settle(committed=committed)
        self._stored_users.update(users)

    async def _write_changes(
        self,
        conn: AsyncConnection,
        users: dict[int, str | None],
        states: dict[tuple[str, str], str | None],
    ) -> None:
        """Upsert or delete each queued user_data and conversation state of this bot."""
        bot = self.bot_key
        for user_id, data in users.items():
            if data is None:
                await conn.execute(_USER_DATA_DELETE, {"bot": bot, "user": user_id})
            else:
                row = {"bot_id": bot, "user_id": user_id, "data": data}
                await conn.execute(upsert(conn, user_data), row)
        for (name, key), state in states.items():
            if state is None:
                params = {"bot": bot, "dialog": name, "chat_key": key}
                await conn.execute(_CONVERSATION_DELETE, params)
            else:
                row = {"bot_id": bot, "name": name, "key": key, "state": state}
                await conn.execute(upsert(conn, conversations), row)

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        """Chat data is not persisted."""
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Chat data is not persisted."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not persisted."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Chat data is not persisted."""

    async def get_bot_data(self) -> dict[str, Any]:
        """Bot data holds live services, never persisted."""
        return {}

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """Bot data is not persisted."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Bot data is not persisted."""

    async def get_callback_data(self) -> None:
        """Arbitrary callback data is not used."""
        return None

    async def update_callback_data(self, data: Any) -> None:
        """Arbitrary callback data is not used."""
