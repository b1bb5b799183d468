"""How a request reads in chat: the manager's card, the villager's status line, their buttons.

Used by handlers for direct replies and by the notifier for outbox messages, so both agree.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.bills import BillKind
from bot.domain.entities import Center, ServiceRequest, User
from bot.domain.money import Money, format_money
from bot.domain.phones import operator_name
from bot.domain.pipeline import Action, Fulfilment, RequestKind, RequestStatus, Role, actions_for
from bot.domain.travel import TicketClass, TicketKind
from bot.domain.validators import format_token
from bot.views import callbacks
from bot.views.labels import (
    action_label,
    bill_label,
    class_label,
    kind_key,
    kind_label,
    status_label,
    ticket_label,
    update_key,
)
from bot.views.offers import offer_lines, option_button
from bot.views.passengers import passenger_ids
from bot.views.payment_texts import card_payment, payment_buttons
from bot.views.steps import done_by_lines
from bot.views.texts import Html, counted, distance_km, h, plain, short, t


def serial_line(request: ServiceRequest, locale: str) -> Html:
    """The serial number, token or receipt a fulfilled service carries, if any."""
    serial = request.details.get("serial")
    if not serial:
        return Html("")
    if request.details.get("bill") == BillKind.PLN_PREPAID.value:
        return h(locale, "card.token", token=format_token(str(serial)))
    return h(locale, kind_key(request.kind, "card", "serial"), serial=serial)


def bill_lines(request: ServiceRequest, locale: str) -> Html:
    """Which bill, whose number, the amount (or that a quote is awaited) and any receipt."""
    details, currency = request.details, request.total.currency
    if "amount" in details:
        amount = format_money(Money(int(details["amount"]), currency), locale)
        charge = format_money(Money(int(details.get("fee", 0)), currency), locale)
        price = h(
            locale,
            "card.bill_price",
            amount=amount,
            fee=charge,
            total=format_money(request.total, locale),
        )
    else:
        price = h(locale, "card.bill_unquoted")
    return h(
        locale,
        "card.bill_lines",
        bill=bill_label(locale, BillKind(details["bill"])),
        customer=details.get("customer", ""),
        price=price,
        serial=serial_line(request, locale),
    )


def topup_lines(request: ServiceRequest, locale: str) -> Html:
    """Number, operator, product and price of a phone top-up."""
    details = request.details
    return h(
        locale,
        "card.topup_lines",
        phone=details.get("phone", ""),
        operator=operator_name(str(details.get("operator", ""))),
        product=details.get("product", ""),
        total=format_money(request.total, locale),
        serial=serial_line(request, locale),
    )


def when(iso_date: object, locale: str) -> str:
    """A stored ISO date as the user's locale writes it."""
    return format_date(date.fromisoformat(str(iso_date)), format="medium", locale=locale)


def ticket_lines(request: ServiceRequest, locale: str, ids: Html | None = None) -> Html:
    """Route, date, passengers and class of a ticket, their `ids` if given, then the offers."""
    d = request.details
    return h(
        locale,
        "card.ticket_lines",
        kind=ticket_label(locale, TicketKind(d["ticket"])),
        origin=d.get("from", ""),
        destination=d.get("to", ""),
        day=when(d.get("date"), locale),
        count=len(d.get("names") or []),
        names=", ".join(d.get("names") or []),
        cls=class_label(locale, TicketClass(d["class"])),
        ids=ids or Html(""),
        offers=offer_lines(request, locale),
        serial=serial_line(request, locale),
    )


def lodging_lines(request: ServiceRequest, locale: str) -> Html:
    """Place, dates, guests and budget of a room request, then the offers."""
    d = request.details
    budget = d.get("budget")
    return h(
        locale,
        "card.lodging_lines",
        place=d.get("place", ""),
        check_in=when(d.get("check_in"), locale),
        check_out=when(d.get("check_out"), locale),
        nights=counted(locale, "plural.nights", int(d.get("nights", 0))),
        guests=counted(locale, "plural.guests", int(d.get("guests", 0))),
        budget=format_money(Money(int(budget), request.total.currency), locale) if budget else "-",
        offers=offer_lines(request, locale),
        serial=serial_line(request, locale),
    )


def produce_lines(request: ServiceRequest, locale: str) -> Html:
    """What a villager offers for sale, at what price, and (once listed) how much has sold."""
    d, currency = request.details, request.total.currency
    unit = d.get("unit", "")
    sold = Html("")
    if request.status in (RequestStatus.APPROVED, RequestStatus.COMPLETED):
        sold = h(
            locale,
            "card.produce_sold",
            quantity=int(d.get("sold_quantity", 0)),
            unit=unit,
            amount=format_money(Money(int(d.get("sold_minor", 0)), currency), locale),
        )
    return h(
        locale,
        "card.produce_lines",
        name=d.get("name", ""),
        quantity=d.get("quantity", 0),
        unit=unit,
        price=format_money(Money(int(d.get("unit_price_minor", 0)), currency), locale),
        total=format_money(request.total, locale),
        photo=h(locale, "card.produce_photo") if d.get("photo_file_id") else Html(""),
        sold=sold,
    )


def request_lines(request: ServiceRequest, locale: str, *, for_manager: bool = False) -> Html:
    """What was asked for: a top-up's details, or a goods order's items and total (with
    passengers' ID numbers `for_manager` only, see docs/privacy.md)."""
    if request.kind is RequestKind.PRODUCE:
        return produce_lines(request, locale)
    if request.kind is RequestKind.TOPUP:
        return topup_lines(request, locale)
    if request.kind is RequestKind.BILL:
        return bill_lines(request, locale)
    if request.kind is RequestKind.TICKET:
        ids = passenger_ids(request, locale) if for_manager else None
        return ticket_lines(request, locale, ids)
    if request.kind is RequestKind.LODGING:
        return lodging_lines(request, locale)
    lines = [
        t(
            locale,
            "card.item",
            quantity=item.quantity,
            name=short(item.name),
            unit=item.unit,
            subtotal=format_money(item.subtotal, locale),
        )
        for item in request.items
    ]
    lines.append(t(locale, "card.total", total=format_money(request.total, locale)))
    return Html("\n".join(lines))


def fulfilment_line(request: ServiceRequest, locale: str) -> Html:
    """Pickup, or delivery with its distance; nothing for services."""
    if request.kind is not RequestKind.GOODS:
        return Html("")
    if request.fulfilment is Fulfilment.DELIVERY:
        return h(locale, "card.delivery", km=distance_km(locale, request.distance_m or 0))
    return h(locale, "card.pickup")


def manager_card_text(
    request: ServiceRequest, villager: User, locale: str, center_name: str | None = None
) -> str:
    """Everything the manager needs to decide on a request (with the center's name on top,
    for one who works at several)."""
    phone = h(locale, "card.phone", phone=villager.phone) if villager.phone else Html("")
    note = h(locale, "card.note", note=request.note) if request.note else Html("")
    reason = h(locale, "card.reason", reason=request.reason) if request.reason else Html("")
    card = t(
        locale,
        "card.manager",
        number=request.id,
        kind=kind_label(locale, request.kind),
        name=villager.display_name,
        phone=phone,
        lines=request_lines(request, locale, for_manager=True),
        fulfilment=fulfilment_line(request, locale),
        note=note,
        reason=reason,
        status=status_label(locale, request.status, request.kind),
        payment=card_payment(request, locale),
    )
    top = t(locale, "staff.card_center", center=center_name) if center_name else ""
    return top + card + done_by_lines(request, locale)


def villager_card_text(request: ServiceRequest, locale: str) -> str:
    """The villager's view of their request."""
    note = h(locale, "card.note", note=request.note) if request.note else Html("")
    reason = h(locale, "card.reason", reason=request.reason) if request.reason else Html("")
    card = t(
        locale,
        "card.villager",
        number=request.id,
        kind=kind_label(locale, request.kind),
        lines=request_lines(request, locale),
        fulfilment=fulfilment_line(request, locale),
        note=note,
        reason=reason,
        status=status_label(locale, request.status, request.kind),
    )
    return card + done_by_lines(request, locale)


def button_label(request: ServiceRequest, action: Action, locale: str) -> str:
    """An action's button: cancelling a quote is declining it."""
    if action is Action.CANCEL and request.status is RequestStatus.QUOTED:
        return plain(locale, "action.decline")
    return action_label(locale, action, request.kind)


def action_buttons(request: ServiceRequest, role: Role, locale: str) -> InlineKeyboardMarkup | None:
    """One button per action `role` can take now; None when nothing applies.

    Accepting a quote with several offers is one button per offer, each on its own row.
    """
    actions = actions_for(
        request.kind, request.fulfilment, request.status, role, priced=request.priced_up_front
    )
    offered = request.details.get("options") or []
    rows: list[list[InlineKeyboardButton]] = []
    if Action.ACCEPT in actions and offered:
        rows = [[option_button(request, number, locale)] for number in range(1, len(offered) + 1)]
        actions = tuple(action for action in actions if action is not Action.ACCEPT)
    buttons = [
        InlineKeyboardButton(
            button_label(request, action, locale),
            callback_data=callbacks.build(
                callbacks.REQUEST, request.id, action_arg(request, action)
            ),
        )
        for action in actions
    ]
    if buttons:
        rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def manager_buttons(
    request: ServiceRequest, center: Center, locale: str
) -> InlineKeyboardMarkup | None:
    """The manager's buttons: the actions that apply now, then the ways to record payment."""
    actions = action_buttons(request, Role.MANAGER, locale)
    rows = [list(row) for row in actions.inline_keyboard] if actions else []
    paying = payment_buttons(request, locale, credit_on=center.credit_limit_minor > 0)
    if paying:
        rows.append(paying)
    return InlineKeyboardMarkup(rows) if rows else None


def action_arg(request: ServiceRequest, action: Action) -> str:
    """What a request button carries: its action, and for Accept the quote it accepts."""
    if action is Action.ACCEPT:
        return callbacks.versioned(action.value, request.quote_version)
    return action.value


def status_message(request: ServiceRequest, action: Action, locale: str) -> str:
    """What the villager is told when someone else changed their request."""
    reason = h(locale, "card.reason", reason=request.reason) if request.reason else Html("")
    news = t(
        locale,
        update_key(action, request.kind),
        number=request.id,
        status=status_label(locale, request.status, request.kind),
        reason=reason,
        serial=serial_line(request, locale),
        total=format_money(request.total, locale),
        offers=offer_lines(request, locale),
    )
    return news + done_by_lines(request, locale, last_only=True)
