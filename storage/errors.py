"""Domain exceptions raised by the data layer; handlers turn them into friendly answers."""


class RecordNotFound(Exception):
    """The center, product or request asked for does not exist."""


class DuplicateCenter(Exception):
    """A center with this code exists already."""


class EmptyCart(Exception):
    """Checkout with nothing in the cart."""


class CartChanged(Exception):
    """The cart or its prices changed after the villager saw the summary."""


class CartFull(Exception):
    """The cart has as many different products as one order can hold."""


class OutOfStock(Exception):
    """A tracked product has fewer units left than asked for."""

    def __init__(self, product_name: str, available: int) -> None:
        super().__init__(f"{product_name}: {available} left")
        self.product_name = product_name
        self.available = available


# What SQLite and PostgreSQL say when another transaction holds the lock past the wait.
_BUSY_SIGNS = ("database is locked", "database is busy", "lock timeout", "deadlock detected")


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether `exc` means the database was busy (locked by another writer) for too long."""
    from sqlalchemy.exc import OperationalError  # the data layer's own error type

    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(sign in text for sign in _BUSY_SIGNS)
