"""Who took each step of a request on the center's side, as the cards and the villager's news
say it ("Approved by Sari"), and the button that opens a request's card for a helper."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.entities import ServiceRequest
from bot.domain.pipeline import RequestStatus
from bot.views import callbacks
from bot.views.labels import status_label
from bot.views.texts import Html, plain, t

# Where a request's details keep its steps: a list of [status reached, who reached it].
DONE_BY = "done_by"
_STATUSES = {status.value: status for status in RequestStatus}


def signed(request: ServiceRequest, reached: RequestStatus, name: str) -> list[list[str]]:
    """The request's steps with one more: `name` took it to `reached`."""
    return [*request.details.get(DONE_BY, []), [reached.value, name]]


def done_by_lines(request: ServiceRequest, locale: str, last_only: bool = False) -> Html:
    """One line a step, after a blank line (only the step that led to the request's status
    now, if `last_only`); nothing for a request nobody at the center has acted on."""
    steps = [
        (_STATUSES[status], str(name))
        for status, name in request.details.get(DONE_BY) or []
        if status in _STATUSES
    ]
    if last_only:
        steps = [step for step in steps[-1:] if step[0] is request.status]
    lines = [
        t(locale, "staff.done_by", status=status_label(locale, status, request.kind), name=name)
        for status, name in steps
    ]
    return Html("\n\n" + "\n".join(lines)) if lines else Html("")


def open_button(request: ServiceRequest, locale: str) -> InlineKeyboardMarkup:
    """One button that opens the request's card (for a helper told of a request)."""
    label = plain(locale, "desk.open", number=request.id)
    data = callbacks.build(callbacks.REQUEST_VIEW, request.id)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
