"""DATABASE_URL: which asyncio driver serves it, and how it is shown (its password masked)."""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# A password given as a query option (`?password=...`), which SQLAlchemy does not hide.
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&]*", re.IGNORECASE)


class StorageUnavailable(Exception):
    """The database cannot be opened or upgraded; the message is one line for the operator."""


def async_url(database_url: str) -> str:
    """Map a plain `sqlite:///` or `postgresql://` URL to its asyncio driver."""
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        shown = masked_url(database_url)
        raise StorageUnavailable(f"DATABASE_URL is not a database URL: {shown!r}") from None
    backend = url.get_backend_name()
    if backend == "sqlite" and (url.username or url.password or url.host or url.port):
        raise StorageUnavailable(
            f"DATABASE_URL for SQLite is sqlite:///file.db (or sqlite:////absolute/path.db), "
            f"got {safe_url(database_url)!r}"
        )
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise StorageUnavailable(f"DATABASE_URL must be sqlite:/// or postgresql://, got {backend!r}")


def masked_url(text: str) -> str:
    """`text` with the password of its user part (`user:password@`) replaced by ***.

    For a DATABASE_URL too malformed to parse: everything between the user's name and the
    last '@' is masked, whatever it holds.
    """
    head, at, tail = text.rpartition("@")
    scheme_end = head.find("//")
    start = scheme_end + 2 if scheme_end >= 0 else 0
    if scheme_end < 0 and head.count(":") > 1:  # "postgresql:user:password"
        start = head.find(":") + 1
    user, colon, _password = head[start:].partition(":")
    if at and colon:
        text = f"{head[:start]}{user}:***@{tail}"
    return _QUERY_PASSWORD.sub(r"\1***", text)


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    return masked_url(make_url(url).render_as_string(hide_password=True))


def first_line(exc: BaseException) -> str:
    """The first line of an exception, for a one-line operator message."""
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__
