"""A center's clock: every date and time a user sees or picks is on it, never the server's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Centers have no time zone setting: a center keeps the clock of its currency's country.
# Indonesia spans three zones; WIB (Java, Sumatra) is where most villages of the market are.
ZONE_BY_CURRENCY = {"IDR": "Asia/Jakarta", "CNY": "Asia/Shanghai"}
DEFAULT_ZONE = "Asia/Jakarta"
# How /queue and /broadcasts show a moment: day/month hours:minutes.
SHORT_MOMENT = "%d/%m %H:%M"


def center_zone(currency: str) -> ZoneInfo:
    """The time zone a center's days are counted in (by its currency's country)."""
    return ZoneInfo(ZONE_BY_CURRENCY.get(currency, DEFAULT_ZONE))


def local_time(stamp: float, currency: str) -> datetime:
    """An epoch moment on the clock of a center with this currency."""
    return datetime.fromtimestamp(stamp, center_zone(currency))


def local_today(now: float, currency: str) -> date:
    """The date it is now at a center with this currency."""
    return local_time(now, currency).date()


def short_moment(stamp: float, currency: str) -> str:
    """A moment as /queue and /broadcasts show it, on the center's clock: `05/12 02:48`."""
    return local_time(stamp, currency).strftime(SHORT_MOMENT)
