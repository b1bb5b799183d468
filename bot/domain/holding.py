"""What one villager may hold at a center, so one person cannot deny service to the others.

- Open requests: at most MAX_OPEN_REQUESTS at a time per center, of every kind (goods orders,
  top-ups, bills, tickets, lodging, produce offers) while open; a new one is refused, not stored.
- Reserved stock: a goods order takes its units off the shelf when submitted, before the manager
  has seen it. Until the manager approves, one villager's orders may hold at most half of what
  the center has of a tracked product for them (on the shelf plus what they already hold),
  rounded up, so the last unit can always be ordered. Once approved, the units are the
  manager's decision, no longer a reservation.
- Waiting: a goods order the manager has not approved within the center's quote time expires
  (the bot cancels it) and its units go back on the shelf.
"""

from __future__ import annotations

# Enough for a family's week of errands, far too few to bury a manager's queue.
MAX_OPEN_REQUESTS = 10


class TooManyOpenRequests(Exception):
    """The villager has `limit` requests open at this center already."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit} requests open")
        self.limit = limit


class HoldLimitReached(Exception):
    """An order would reserve more of a product than one villager may hold unapproved."""

    def __init__(self, product_name: str, unit: str, limit: int, held: int) -> None:
        super().__init__(f"{product_name}: at most {limit} held, {held} already")
        self.product_name = product_name
        self.unit = unit
        self.limit = limit
        self.held = held


def check_open_requests(open_now: int) -> None:
    """Refuse a new request when the villager has as many open as one may have."""
    if open_now >= MAX_OPEN_REQUESTS:
        raise TooManyOpenRequests(MAX_OPEN_REQUESTS)


def hold_limit(on_shelf: int, held: int) -> int:
    """How many units of a product one villager may hold in unapproved orders: half of what
    the center has for them (its shelf plus their own reservation), rounded up."""
    return (on_shelf + held + 1) // 2


def check_hold(product_name: str, unit: str, on_shelf: int, held: int, wanted: int) -> None:
    """Refuse an order line that would take a villager past their share of a product.

    A line asking for more than is on the shelf is left to the stock check (OutOfStock).
    """
    limit = hold_limit(on_shelf, held)
    if wanted <= on_shelf and held + wanted > limit:
        raise HoldLimitReached(product_name, unit, limit, held)
