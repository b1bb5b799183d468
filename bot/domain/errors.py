"""The domain's refusals, raised by storage and services and answered by handlers."""


class RecordNotFound(Exception):
    """The center, product or request asked for does not exist."""


class DuplicateCenter(Exception):
    """A center with this code exists already."""


class EmptyCart(Exception):
    """Checkout with nothing in the cart."""


class CartChanged(Exception):
    """The cart or its prices changed after the villager saw the summary."""


class PriceChanged(Exception):
    """A price changed after the villager saw it: show it again before anything is charged."""


class CartFull(Exception):
    """The cart has as many different products as one order can hold."""


class OutOfStock(Exception):
    """A tracked product has fewer units left than asked for."""

    def __init__(self, product_name: str, available: int) -> None:
        super().__init__(f"{product_name}: {available} left")
        self.product_name = product_name
        self.available = available


class DuplicateBot(Exception):
    """A bot with this name, or this very bot under another name, is in the table already."""


class BotInUse(Exception):
    """The bot still serves centers (`codes` names them), or still has `pending` messages to
    send that were written before its centers moved."""

    def __init__(self, name: str, codes: list[str], pending: int = 0) -> None:
        super().__init__(name)
        self.codes = codes
        self.pending = pending
