"""One search index per center, rebuilt when the center's catalog version changes."""

from __future__ import annotations

import asyncio

from bot.domain.entities import Center
from bot.domain.search import CatalogIndex
from storage import Storage


class SearchCache:
    """Keeps each center's CatalogIndex in memory; imports bump the version and invalidate it."""

    def __init__(self, store: Storage) -> None:
        self.store = store
        self._indexes: dict[int, tuple[int, CatalogIndex]] = {}
        self._lock = asyncio.Lock()

    async def index_for(self, center: Center) -> CatalogIndex:
        """The index of the center's current catalog."""
        cached = self._current(center)
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._current(center)  # another update may have built it meanwhile
            if cached is not None:
                return cached
            items = await self.store.catalog.search_items(center.id, center.currency)
            # Building a large catalog's index takes seconds: keep the event loop answering.
            index = await asyncio.to_thread(CatalogIndex, items)
            self._indexes[center.id] = (center.catalog_version, index)
            return index

    def _current(self, center: Center) -> CatalogIndex | None:
        """The cached index if it was built from the center's current catalog version."""
        cached = self._indexes.get(center.id)
        return cached[1] if cached and cached[0] == center.catalog_version else None
