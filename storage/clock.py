"""Time as epoch seconds; stored as floats so SQLite and PostgreSQL agree."""

import time


def now() -> float:
    """Seconds since the epoch, UTC."""
    return time.time()
