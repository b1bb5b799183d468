"""Recording how a request was paid: who may, and the payment written with its ledger row and
the messages it causes (the manager's card redrawn, the villager told)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.entities import OutboxMessage, ServiceRequest
from bot.domain.payments import Payment
from bot.domain.pipeline import Role, TransitionRefused
from bot.services.acting import Acted, authorize
from bot.services.notifier import Audience, audience, manager_card
from bot.views.payment_texts import recorded_message
from storage import Storage
from storage.payments import PaymentNotifier


def payment_notifier(listeners: Audience) -> PaymentNotifier:
    """The messages a recorded payment causes: the card redrawn, and the villager's note."""

    def notify(request: ServiceRequest) -> Sequence[OutboxMessage]:
        note = recorded_message(request, listeners.villager_locale)
        return [manager_card(request, listeners), OutboxMessage(request.villager_id, note)]

    return notify


async def record_payment(
    store: Storage, request_id: int, wanted: Payment, user_id: int, quote_version: int | None
) -> Acted:
    """Record that the request was paid `wanted`, for its center's manager only.

    TransitionRefused('not_allowed') for anyone else; PaymentRefused when the request is not
    (or no longer) one to record this payment for, checked when it is written.
    """
    request, center, role = await authorize(store, request_id, user_id)
    if role is not Role.MANAGER:
        raise TransitionRefused("not_allowed")
    villager = await store.users.get(request.villager_id)
    if villager is None:
        raise TransitionRefused("not_allowed")
    notify = payment_notifier(await audience(store, center, villager))
    paid = await store.payments.record(request_id, wanted, user_id, notify, quote_version)
    return Acted(paid, role, villager, center)
