"""The texts of the domain's closed sets: one lookup for each enum's members.

Each function here is the only place that turns its enum into a locale key, so a test
(tests/unit/test_labels.py) walks every member and finds its text in every locale.
Names come back as plain text: they go inside other texts and on buttons. Refusals and
prompts come back as locale keys: the caller formats them, as a message (`t`, with its
values) in one place and as a toast (`notice`) in another.
"""

from __future__ import annotations

from bot.domain.bills import BillKind
from bot.domain.catalog_chat import TextProblem, UploadProblem
from bot.domain.pay_by_qr import NoQr
from bot.domain.phones import PhoneReason
from bot.domain.pipeline import Action, RequestKind, RequestRefusal, RequestStatus
from bot.domain.produce import OfferProblem
from bot.domain.qris import QrisRefusal
from bot.domain.questions import QuestionRefusal
from bot.domain.reports import Period
from bot.domain.travel import TicketClass, TicketKind, TravelProblem
from bot.domain.validators import ValidationReason
from bot.views.texts import has, plain

QUESTION_REFUSALS = {
    QuestionRefusal.NOT_ALLOWED: "ask.not_allowed",
    QuestionRefusal.CLOSED: "ask.closed",
    QuestionRefusal.NO_CENTER: "ask.join_first",
    QuestionRefusal.OWN_CENTER: "ask.own_center",
    QuestionRefusal.TOO_MANY_OPEN: "ask.too_many_open",
}


def kind_key(kind: RequestKind, group: str, name: str) -> str:
    """`group.kind.name` where a kind words it its own way, else `group.name`."""
    special = f"{group}.{kind.value}.{name}"
    return special if has(special) else f"{group}.{name}"


# --- Names, as plain text ---


def kind_label(locale: str, kind: RequestKind) -> str:
    """What a request is ("Phone top-up")."""
    return plain(locale, f"kind.{kind.value}")


def status_label(locale: str, status: RequestStatus, kind: RequestKind | None = None) -> str:
    """Where a request stands; given its kind, in the kind's own words where it has them
    (a listed produce offer is "on sale", not "being prepared")."""
    if kind is None:
        return plain(locale, f"status.{status.value}")
    return plain(locale, kind_key(kind, "status", status.value))


def action_label(locale: str, action: Action, kind: RequestKind) -> str:
    """The button that takes `action` on a request of `kind` ("Done: enter serial")."""
    return plain(locale, kind_key(kind, "action", action.name.lower()))


def bill_label(locale: str, bill: BillKind) -> str:
    """Which bill ("PDAM water bill")."""
    return plain(locale, f"bill.{bill.value}")


def ticket_label(locale: str, ticket: TicketKind) -> str:
    """How the villager travels ("Train")."""
    return plain(locale, f"ticket.{ticket.value}")


def class_label(locale: str, travel_class: TicketClass) -> str:
    """The class asked for ("Economy")."""
    return plain(locale, f"ticket.class.{travel_class.value}")


def period_label(locale: str, period: Period) -> str:
    """A report's period ("the last 7 days")."""
    return plain(locale, f"report.period.{period.value}")


# --- Messages, as locale keys ---


def update_key(action: Action, kind: RequestKind) -> str:
    """What the villager is told when someone else took `action` on their request."""
    return kind_key(kind, "notify", action.name.lower())


def refusal_key(reason: RequestRefusal) -> str:
    """Why an action on a request does not apply."""
    return f"request.{reason.value}"


def question_refusal_key(reason: QuestionRefusal) -> str:
    """Why a question, a reply or a Close does not apply."""
    return QUESTION_REFUSALS[reason]


def travel_refusal_key(reason: ValidationReason | TravelProblem) -> str:
    """Why an answer of /ticket or /lodging was refused."""
    return f"travel.invalid.{reason.value}"


def bill_number_key(reason: ValidationReason) -> str:
    """Why a bill's customer or meter number was refused (one of DIGIT_REASONS)."""
    return f"bill.invalid.{reason.value}"


def bill_number_prompt_key(bill: BillKind) -> str:
    """Where to find the customer or meter number of `bill`, and how it looks."""
    return f"bill.ask_customer.{bill.value}"


def phone_refusal_key(reason: PhoneReason) -> str:
    """Why a number cannot be topped up."""
    return f"topup.{reason.value}"


def offer_refusal_key(reason: OfferProblem) -> str:
    """Why an answer of /sell was refused."""
    return f"sell.error.{reason.value}"


def upload_refusal_key(problem: UploadProblem) -> str:
    """Why an uploaded file was not read as a catalog, and how to send one that is."""
    return f"catalog.file_{problem.value}"


def text_refusal_key(problem: TextProblem) -> str:
    """Why a typed product name, category or unit is unusable."""
    return f"product.text_{problem.value}"


def qris_refusal_key(reason: QrisRefusal) -> str:
    """Why a text or a photographed code is not a usable QRIS (or payee QR)."""
    return f"qris.refusal.{reason.value}"


def no_qr_key(reason: NoQr) -> str:
    """Why a villager gets no QR code to pay a request."""
    return f"qris.no_qr.{reason.value}"
