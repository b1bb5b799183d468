"""How the database engines say they are busy, told apart from other failures."""

# What SQLite and PostgreSQL say when another transaction holds the lock past the wait.
_BUSY_SIGNS = ("database is locked", "database is busy", "lock timeout", "deadlock detected")


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether `exc` means the database was busy (locked by another writer) for too long."""
    from sqlalchemy.exc import OperationalError  # the data layer's own error type

    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(sign in text for sign in _BUSY_SIGNS)
