"""The demo's world: a center at Leping with the sample catalog, its manager and a villager.

Set up as an operator would, on a throw-away database, before the bot starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources

from bot.domain.catalog_csv import parse_catalog_csv
from storage import Storage

DEMO_CODE = "LEPING"
DEMO_CENTER_NAME = "Kios Desa Leping"
MANAGER_ID = 1001
VILLAGER_ID = 2001
CENTER_LAT, CENTER_LON = -7.5600, 110.8200
# The villager's house, 1.1 km east of the center: inside the 3 km delivery radius.
HOME_LAT, HOME_LON = -7.5600, 110.8300
DEMO_PHONE = "6281234567890"


@dataclass(frozen=True)
class Person:
    """Someone the demo user can play: a Telegram user and the name the transcript uses."""

    user_id: int
    label: str


async def seed(database_url: str, language: str) -> None:
    """The operator's set-up: the demo center, its manager and the sample catalog."""
    catalog = resources.files("bot").joinpath("data/sample_catalog.csv").read_text("utf-8")
    store = await Storage.open(database_url)
    try:
        center = await store.centers.add_center(
            DEMO_CODE,
            DEMO_CENTER_NAME,
            MANAGER_ID,
            language=language,
            lat=CENTER_LAT,
            lon=CENTER_LON,
            radius_km=3.0,
        )
        await store.catalog.import_rows(center.id, parse_catalog_csv(catalog, center.currency))
    finally:
        await store.close()


def bypass_proxies_for_localhost() -> None:
    """The bot talks to the emulator on 127.0.0.1; an HTTP(S)_PROXY must not take that."""
    for key in ("NO_PROXY", "no_proxy"):
        entries = [e for e in os.environ.get(key, "").split(",") if e.strip()]
        for host in ("127.0.0.1", "localhost"):
            if host not in entries:
                entries.append(host)
        os.environ[key] = ",".join(entries)
