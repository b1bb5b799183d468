"""The typed context every handler receives, with accessors for the application's services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Message
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.domain.flood import FloodGate
from bot.services.search_cache import SearchCache
from bot.transport.broadcaster import wake_broadcaster
from bot.transport.file_sender import FileSender, MediaKind
from bot.transport.shown_cards import ShownCards
from storage import Storage

SERVICES_KEY = "services"


@dataclass
class Services:
    """What handlers reach through the context; bot.runner opens the store and closes it."""

    settings: Settings
    store: Storage
    search: SearchCache
    # Cards a press redrew, so the outbox does not edit them again to the same.
    shown_cards: ShownCards = field(default_factory=ShownCards)
    # How fast each user may write (see bot/domain/flood.py).
    flood: FloodGate = field(default_factory=FloodGate)
    # Which bot this application is: its id in the bots table, None for the default bot.
    bot_id: int | None = None
    # The default bot's @username, for links to its centers from the other bots.
    default_bot_username: str = ""
    # Every bot this process serves, by bot id (None: the default bot), so a change made in
    # one bot sets the menus of another (bot.runner shares one mapping among them).
    peers: dict[int | None, ExtBot[None]] = field(default_factory=dict)
    # Sends photos by file id, whichever bot received them (bot.app sets it with the bot).
    files: FileSender | None = None


class KiosContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """CallbackContext with typed access to storage, search and settings."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The services wired at start-up."""
        services: Services = self.bot_data[SERVICES_KEY]
        return services

    @property
    def store(self) -> Storage:
        """The database repositories."""
        return self.services.store

    @property
    def search(self) -> SearchCache:
        """Per-center search indexes."""
        return self.services.search

    @property
    def settings(self) -> Settings:
        """The running configuration."""
        return self.services.settings

    @property
    def dialog(self) -> dict[str, Any]:
        """The user's persisted dialog data (user_data), never None in private chats."""
        data = self.user_data
        if data is None:
            raise RuntimeError("dialog data needs a user")
        return data

    async def send_file(
        self, kind: MediaKind, chat_id: int, file_id: str, **options: Any
    ) -> Message | None:
        """Send a photo or voice note by a file id of any bot of the deployment; None when no
        bot can fetch the file any more (then show the item without it)."""
        files = self.services.files
        if files is None:
            raise RuntimeError("the application was built without its file sender")
        return await files.send(kind, chat_id, file_id, **options)

    def wake_broadcaster(self) -> None:
        """Tell the broadcaster an announcement is ready to go (it also polls)."""
        wake_broadcaster(self.bot_data)
