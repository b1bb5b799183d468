"""PTB persistence kept in the project's database: dialog states and per-user dialog data."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from storage.db import Database
from storage.schema import conversations, user_data

# Flush often: the application also flushes after every update (see bot.app).
UPDATE_INTERVAL_S = 1.0


def _key(key: ConversationKey) -> str:
    return json.dumps(list(key))


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Stores user_data and ConversationHandler states; bot and chat data stay in memory."""

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=UPDATE_INTERVAL_S,
        )
        self.db = db

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        """Every stored user's dialog data."""
        async with self.db.read() as conn:
            rows = (await conn.execute(sa.select(user_data))).all()
        return {int(row.user_id): json.loads(row.data) for row in rows}

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Replace one user's dialog data."""
        async with self.db.write() as conn:
            await conn.execute(user_data.delete().where(user_data.c.user_id == user_id))
            if data:
                await conn.execute(
                    user_data.insert().values(user_id=user_id, data=json.dumps(data))
                )

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's dialog data."""
        await self.update_user_data(user_id, {})

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def get_conversations(self, name: str) -> ConversationDict:
        """The stored states of one ConversationHandler."""
        query = sa.select(conversations).where(conversations.c.name == name)
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {tuple(json.loads(row.key)): json.loads(row.state) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store (or clear, for None) one conversation's state."""
        where = sa.and_(conversations.c.name == name, conversations.c.key == _key(key))
        async with self.db.write() as conn:
            await conn.execute(conversations.delete().where(where))
            if new_state is not None:
                await conn.execute(
                    conversations.insert().values(
                        name=name, key=_key(key), state=json.dumps(new_state)
                    )
                )

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

    async def flush(self) -> None:
        """Every update is written through at once; nothing is buffered."""
