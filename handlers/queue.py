"""/queue: the manager's open requests, oldest first, paged, each opening its card."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import KiosContext
from bot.domain.clock import short_moment
from bot.domain.entities import Center, ServiceRequest
from bot.domain.money import format_money
from bot.domain.pipeline import RequestStatus, TransitionRefused
from bot.services.acting import authorize
from bot.views import callbacks
from bot.views.labels import kind_label, status_label
from bot.views.texts import Html, h, plain, short, t
from handlers.common import Visitor, notice, page_buttons, page_of, say, visitor_of
from handlers.paging import paged_list
from handlers.request_actions import card_for

QUEUE_PER_PAGE = 8


async def queue_page(
    context: KiosContext, visitor: Visitor, asked: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the open requests of the center the user works on (manages or helps at)."""
    center = visitor.desk
    if center is None:
        return t(visitor.locale, "desk.not_manager"), None
    requests = context.store.requests
    total = await requests.count_open(center.id)
    if total == 0:
        return t(visitor.locale, "desk.queue_empty", center=center.name), None
    page = page_of(asked, total, QUEUE_PER_PAGE)
    shown = await requests.open_for_center(center.id, page.size, page.offset)
    names = await context.store.users.display_names([r.villager_id for r in shown])
    # Each line is already HTML (values escaped by t()); escaping it again shows the tags.
    lines = Html("\n".join(queue_line(r, names, center, visitor.locale) for r in shown))
    rows = [
        [
            InlineKeyboardButton(
                plain(visitor.locale, "desk.open", number=r.id),
                callback_data=callbacks.build(callbacks.REQUEST_VIEW, r.id),
            )
        ]
        for r in shown
    ]
    rows.append(page_buttons(callbacks.QUEUE_PAGE, page))
    text = t(
        visitor.locale,
        "desk.queue",
        center=center.name,
        count=total,
        lines=lines,
        page=page.index + 1,
        pages=page.count,
    )
    return text, InlineKeyboardMarkup([row for row in rows if row])


def queue_line(request: ServiceRequest, names: dict[int, str], center: Center, locale: str) -> str:
    """One open request at a glance: number, time, kind, villager, amount and status."""
    return t(
        locale,
        "desk.queue_line",
        number=request.id,
        time=short_moment(request.created_at, center.currency),
        kind=kind_label(locale, request.kind),
        name=short(names.get(request.villager_id, str(request.villager_id))),
        amount=amount_of(request, locale),
        status=status_label(locale, request.status, request.kind),
    )


def amount_of(request: ServiceRequest, locale: str) -> str | Html:
    """What the request costs the villager, or that it waits for the manager's quote."""
    if request.status is RequestStatus.SUBMITTED and not request.priced_up_front:
        return h(locale, "desk.awaiting_quote")
    return format_money(request.total, locale)


async def open_request(update: Update, context: KiosContext) -> None:
    """Send a request's card with its buttons, if the user has a role in it."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    try:
        request, center, role = await authorize(
            context.store, parsed.ident if parsed else 0, visitor.user.id
        )
    except TransitionRefused:
        await notice(query, visitor.locale, "request.not_allowed", alert=True)
        return
    await query.answer()
    text, markup = await card_for(context, request, role, visitor, center=center)
    await say(update, text, markup)


def build_queue_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /queue, its pages and opening a card."""
    return [
        *paged_list("queue", callbacks.QUEUE_PAGE, queue_page),
        CallbackQueryHandler(open_request, pattern=callbacks.pattern(callbacks.REQUEST_VIEW)),
    ]
