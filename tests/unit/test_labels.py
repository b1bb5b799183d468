"""Every member of every closed set has its text in every locale: statuses, kinds, refusals...

The lookups fall back to English when a locale lacks a text; here they may not, so a member
without its text in Indonesian, English or Chinese fails, naming the key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import product
from typing import Any

import pytest

from bot.domain.bills import BillKind, check_customer
from bot.domain.catalog_chat import TextProblem, UploadProblem
from bot.domain.pay_by_qr import NoQr
from bot.domain.phones import PhoneReason
from bot.domain.pipeline import RULES, Action, RequestKind, RequestRefusal, RequestStatus, Role
from bot.domain.produce import OfferProblem
from bot.domain.qris import QrisRefusal
from bot.domain.questions import QuestionRefusal
from bot.domain.reports import Period
from bot.domain.travel import TicketClass, TicketKind, TravelProblem
from bot.domain.validators import DIGIT_REASONS, ValidationError, ValidationReason
from bot.views import labels, menus
from bot.views.texts import LOCALES, catalog


def every(*sets: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Every combination of one member of each set."""
    return list(product(*sets))


# Actions someone presses a button for; the bot's own (expiry) has none.
PRESSED = [action for action in Action if RULES[action].role is not Role.SYSTEM]

NAMES: list[tuple[Callable[..., str], list[tuple[Any, ...]]]] = [
    (labels.kind_label, every(RequestKind)),
    (labels.status_label, every(RequestStatus)),
    (labels.status_label, every(RequestStatus, RequestKind)),
    (labels.action_label, every(PRESSED, RequestKind)),
    (labels.bill_label, every(BillKind)),
    (labels.ticket_label, every(TicketKind)),
    (labels.class_label, every(TicketClass)),
    (labels.period_label, every(Period)),
]
KEYS: list[tuple[Callable[..., str], list[tuple[Any, ...]]]] = [
    (labels.update_key, every(Action, RequestKind)),
    (labels.refusal_key, every(RequestRefusal)),
    (labels.question_refusal_key, every(QuestionRefusal)),
    (labels.travel_refusal_key, every([*ValidationReason, *TravelProblem])),
    (labels.bill_number_key, every(DIGIT_REASONS)),
    (labels.bill_number_prompt_key, every(BillKind)),
    (labels.phone_refusal_key, every(PhoneReason)),
    (labels.offer_refusal_key, every(OfferProblem)),
    (labels.upload_refusal_key, every(UploadProblem)),
    (labels.text_refusal_key, every(TextProblem)),
    (labels.qris_refusal_key, every(QrisRefusal)),
    (labels.no_qr_key, every(NoQr)),
]


def own_text(locale: str, key: str, **values: object) -> str:
    """The text in `locale` itself: a KeyError names the missing key (no English fallback)."""
    return catalog(locale)[key].format(**values)


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labels, "plain", own_text)
    monkeypatch.setattr(menus, "plain", own_text)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.usefixtures("no_fallback")
def test_every_name_has_its_text(locale: str) -> None:
    for label, members in NAMES:
        for args in members:
            assert label(locale, *args).strip(), (label.__name__, args)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_refusal_and_prompt_has_its_text(locale: str) -> None:
    keys = [key_of(*args) for key_of, members in KEYS for args in members]
    assert [key for key in keys if key not in catalog(locale)] == []


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.usefixtures("no_fallback")
def test_every_command_of_every_menu_has_its_description(locale: str) -> None:
    names = (*menus.ADMIN_COMMANDS, *menus.MANAGER_COMMANDS)
    assert [command.command for command in menus.commands(locale, names)] == list(names)


def test_a_kind_words_a_status_or_an_action_its_own_way() -> None:
    assert labels.status_label("en", RequestStatus.APPROVED) == "Approved, being prepared"
    listed = labels.status_label("en", RequestStatus.APPROVED, RequestKind.PRODUCE)
    assert listed == "On sale at the center"
    assert labels.action_label("en", Action.COMPLETE, RequestKind.GOODS) == "Delivered"
    assert labels.action_label("en", Action.COMPLETE, RequestKind.TOPUP) == "Done: enter serial"


@pytest.mark.parametrize("bill", BillKind)
@pytest.mark.parametrize("typed", ["12ab", "1", "9" * 30, "x" * 100, "１２３４５"])
def test_a_bill_number_is_refused_only_for_a_reason_with_a_text(bill: BillKind, typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_customer(bill, typed)
    assert refused.value.reason in DIGIT_REASONS
