"""Dataclasses the repositories return; plain values, no database handles."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from bot.domain.money import Money
from bot.domain.payments import Payment
from bot.domain.pipeline import PRICED_UP_FRONT, Fulfilment, RequestKind, RequestStatus


@dataclass(frozen=True)
class Center:
    """A village service center with its manager."""

    id: int
    code: str
    name: str
    manager_id: int
    currency: str
    language: str
    lat: float | None
    lon: float | None
    radius_km: float
    catalog_version: int
    # How long a quote waits for the villager's answer before it expires.
    quote_ttl_s: int = 86_400
    # Places villagers of this center travel to, matched first when they type one.
    places: tuple[str, ...] = ()
    # The static QRIS payload of the center's sticker (IDR), checked when it was stored.
    qris_payload: str | None = None
    # A CNY center's payee QR content (a wallet's link), shown as it is beside the amount.
    payee_qr: str | None = None
    # The helpers the manager added: they act on its requests as the manager does (storage
    # fills it where a press is authorized: Centers.get and by_code).
    staff_ids: frozenset[int] = frozenset()
    # What one villager may owe the center on credit (kasbon), in minor units; 0: no credit.
    credit_limit_minor: int = 0
    # The bot its villagers talk to (its Telegram id); None: the default bot of BOT_TOKEN.
    bot_id: int | None = None

    @property
    def has_location(self) -> bool:
        """Whether delivery distances can be measured from this center."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class User:
    """A Telegram user known to the bot: a villager, a manager, or both."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    telegram_language: str | None
    language: str | None
    phone: str | None
    center_id: int | None
    blocked_at: float | None
    muted: bool
    # The center a manager or helper of several centers is working on now (/center).
    desk_center_id: int | None = None
    # The bot `blocked_at` is for (None: the default bot): blocking one bot blocks no other.
    blocked_bot_id: int | None = None

    def blocked(self, bot_id: int | None) -> bool:
        """Whether the user blocked this bot (None: the default bot)."""
        return self.blocked_at is not None and self.blocked_bot_id == bot_id

    @property
    def display_name(self) -> str:
        """The name a manager sees."""
        return " ".join(part for part in (self.first_name, self.last_name) if part) or str(self.id)


@dataclass(frozen=True)
class Standing:
    """A user as an update finds them: their record, their center, the centers they manage
    and those they help at (as staff)."""

    user: User
    center: Center | None
    managed: tuple[Center, ...]
    staffed: tuple[Center, ...] = ()


@dataclass(frozen=True)
class StaffMember:
    """A helper of a center: who, their name if they have written to the bot, and since when."""

    user_id: int
    name: str | None
    added_at: float


@dataclass(frozen=True)
class Product:
    """One catalog entry of a center."""

    id: int
    center_id: int
    sku: str
    name: str
    category: str
    price: Money
    unit: str
    stock: int | None
    aliases: tuple[str, ...]
    active: bool
    # A Telegram file id of the photo villagers see on the product's card.
    photo_file_id: str | None = None
    # The villager selling their own produce through the center; None for the center's goods.
    seller_id: int | None = None

    @property
    def in_stock(self) -> bool:
        """Untracked stock counts as available."""
        return self.stock is None or self.stock > 0


@dataclass(frozen=True)
class CartLine:
    """A product and how many the villager wants."""

    product: Product
    quantity: int

    @property
    def subtotal(self) -> Money:
        """Price times quantity."""
        return self.product.price.times(self.quantity)


@dataclass(frozen=True)
class RequestItem:
    """A line of a goods order, priced when it was submitted."""

    sku: str
    name: str
    unit: str
    price: Money
    quantity: int

    @property
    def subtotal(self) -> Money:
        """Price times quantity."""
        return self.price.times(self.quantity)


@dataclass(frozen=True)
class ServiceRequest:
    """A villager's request of any kind, as the pipeline sees it."""

    id: int
    center_id: int
    villager_id: int
    kind: RequestKind
    status: RequestStatus
    total: Money
    fulfilment: Fulfilment | None
    lat: float | None
    lon: float | None
    distance_m: float | None
    note: str | None
    details: Mapping[str, Any]
    reason: str | None
    manager_chat_id: int | None
    manager_message_id: int | None
    created_at: float
    updated_at: float
    items: tuple[RequestItem, ...] = ()
    # The quote the villager is shown: every quote (and re-quote) is the next number; 0 before.
    quote_version: int = 0
    # How the request stands with money, beside fulfilment: who recorded it (their first
    # name, for the card) and when.
    payment: Payment = Payment.UNPAID
    payment_by: int | None = None
    payment_by_name: str | None = None
    payment_at: float | None = None

    @property
    def priced_up_front(self) -> bool:
        """Whether the price was known at submission (else the manager quotes it first)."""
        return bool(self.details.get("priced", self.kind in PRICED_UP_FRONT))


@dataclass(frozen=True)
class Checkout:
    """What the villager chose at checkout."""

    fulfilment: Fulfilment
    lat: float | None = None
    lon: float | None = None
    distance_m: float | None = None
    note: str | None = None
    # (product id, quantity, unit price) as the villager confirmed them; None skips the check.
    expected_lines: tuple[tuple[int, int, int], ...] | None = None


def cart_snapshot(lines: Sequence[CartLine]) -> tuple[tuple[int, int, int], ...]:
    """What a summary showed: each line's product, quantity and unit price."""
    return tuple((line.product.id, line.quantity, line.product.price.minor) for line in lines)


class Lane(IntEnum):
    """Which messages to one chat go first: a lower lane is sent before a higher one.

    In a lane, messages go in the order they were written. Request cards and status messages
    come before conversation (questions and answers), so a villager's chatter never queues a
    manager's order cards behind it.
    """

    REQUESTS = 0
    CONVERSATION = 1


@dataclass(frozen=True)
class OutboxMessage:
    """A message to deliver after the transaction commits.

    `card_request_id` marks the manager's card of a request: sent once, then edited in place.
    With `media_kind` ("photo" or "voice") and `file_id`, the file is sent and `text` is its
    caption. `center_id` marks a message to a center's manager about the center's business
    (cards, notes, relayed questions): if the center changes hands before it is delivered, it
    is dropped.
    """

    chat_id: int
    text: str
    reply_markup: Mapping[str, Any] | None = None
    card_request_id: int | None = None
    media_kind: str | None = None
    file_id: str | None = None
    lane: Lane = Lane.REQUESTS
    center_id: int | None = None

    def payload_json(self) -> str:
        """The Bot API parameters stored in the outbox row."""
        payload: dict[str, Any] = {"text": self.text, "reply_markup": self.reply_markup}
        if self.media_kind is not None:
            payload["media"] = {"kind": self.media_kind, "file_id": self.file_id}
        return json.dumps(payload, ensure_ascii=False)


@dataclass(frozen=True)
class OutboxRow:
    """A stored outbox message waiting for the sender."""

    id: int
    chat_id: int
    text: str
    reply_markup: Mapping[str, Any] | None
    card_request_id: int | None
    attempts: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    media_kind: str | None = None
    file_id: str | None = None
    # An edit of a card that a later pending edit of the same card replaces anyway.
    superseded: bool = False
    last_error: str | None = None
    # Another pending message to the same chat comes after this one.
    followed: bool = False

    @property
    def is_edit(self) -> bool:
        """Whether it edits a card already in the chat (which cannot arrive twice)."""
        return bool(self.extra.get("card_message_id"))


@dataclass(frozen=True)
class ServiceProduct:
    """A priced service of a center: a credit denomination, a data package, a fee."""

    id: int
    center_id: int
    kind: RequestKind
    operator: str | None
    code: str
    name: str
    price: Money
    commission: Money
