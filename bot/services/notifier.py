"""Who hears about a request, and the messages each change causes (built in its transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.entities import Center, OutboxMessage, ServiceRequest, User
from bot.domain.pipeline import Action, RequestKind, RequestStatus, Role, Transition
from bot.views.cards import action_buttons, manager_buttons, manager_card_text, status_message
from bot.views.labels import kind_key, kind_label
from bot.views.pay_texts import with_pay_button
from bot.views.steps import open_button
from bot.views.texts import h, manager_locale, t, user_locale
from storage import Storage
from storage.requests import Notifier


@dataclass(frozen=True)
class Audience:
    """Who hears about a request, in which language: the villager, the manager (told which
    center, if they run several) and the center's staff (by id, with their languages)."""

    center: Center
    villager: User
    villager_locale: str
    manager_locale: str
    staff: tuple[tuple[int, str], ...] = ()
    several_centers: bool = False


async def audience(store: Storage, center: Center, villager: User) -> Audience:
    """Who hears about a request of this villager at this center, in their languages."""
    people = await store.staff.desk_people(center)
    villager_locale = user_locale(villager, center.language)
    helpers = tuple((helper.id, user_locale(helper, center.language)) for helper in people.helpers)
    several = people.manager_desks > 1
    manager_language = manager_locale(people.manager, center.language)
    return Audience(center, villager, villager_locale, manager_language, helpers, several)


def manager_card(request: ServiceRequest, audience: Audience) -> OutboxMessage:
    """The manager's card for a request: sent once, then edited in place on every change."""
    markup = manager_buttons(request, audience.center, audience.manager_locale)
    center = audience.center.name if audience.several_centers else None
    return OutboxMessage(
        chat_id=audience.center.manager_id,
        text=manager_card_text(request, audience.villager, audience.manager_locale, center),
        reply_markup=markup.to_dict() if markup else None,
        card_request_id=request.id,
        center_id=audience.center.id,
    )


def messages_for(
    request: ServiceRequest, change: Transition, audience: Audience
) -> Sequence[OutboxMessage]:
    """The card update, plus a message to whoever did not make the change (both, for expiry)."""
    card = manager_card(request, audience)
    if change.action is Action.SUBMIT:
        return [*offer_photo(request, audience), card, *staff_notes(request, audience, None)]
    if change.action in (Action.CANCEL, Action.ACCEPT, Action.EXPIRE):
        key = kind_key(request.kind, "manager.notify", change.action.name.lower())
        note = t(audience.manager_locale, key, number=request.id)
        manager_note = OutboxMessage(
            chat_id=audience.center.manager_id, text=note, center_id=audience.center.id
        )
        told = [card, manager_note, *staff_notes(request, audience, key)]
        if change.action is not Action.EXPIRE:
            return told
        return [*told, villager_message(request, change, audience)]
    return [card, villager_message(request, change, audience)]


def staff_notes(
    request: ServiceRequest, audience: Audience, key: str | None
) -> list[OutboxMessage]:
    """Each helper's note of a new request (`key` None) or of the manager's note `key`, with
    a button that opens the request's card as it is when pressed (see docs/staff.md)."""
    center = audience.center
    notes = []
    for helper_id, locale in audience.staff:
        if key is None:
            text = t(
                locale,
                "staff.new_request",
                number=request.id,
                kind=kind_label(locale, request.kind),
                name=audience.villager.display_name,
                center=center.name,
            )
        else:
            text = t(
                locale,
                "staff.center_note",
                center=center.name,
                note=h(locale, key, number=request.id),
            )
        markup = open_button(request, locale).to_dict()
        notes.append(OutboxMessage(helper_id, text, markup, center_id=center.id))
    return notes


def offer_photo(request: ServiceRequest, audience: Audience) -> list[OutboxMessage]:
    """The photo of a villager's produce offer, so the manager sees what they approve."""
    photo = request.details.get("photo_file_id")
    if request.kind is not RequestKind.PRODUCE or not photo:
        return []
    caption = t(
        audience.manager_locale,
        "card.produce_photo_caption",
        number=request.id,
        name=request.details.get("name", ""),
        seller=audience.villager.first_name,
    )
    return [
        OutboxMessage(
            chat_id=audience.center.manager_id,
            text=caption,
            media_kind="photo",
            file_id=photo,
            center_id=audience.center.id,
        )
    ]


def villager_message(
    request: ServiceRequest, change: Transition, audience: Audience
) -> OutboxMessage:
    """The villager's news of a change someone else made, with the buttons that apply now."""
    text = status_message(request, change.action, audience.villager_locale)
    if change.action is Action.QUOTE and change.source is RequestStatus.QUOTED:
        text += t(audience.villager_locale, "notify.quote_replaces")
    locale = audience.villager_locale
    buttons = action_buttons(request, Role.VILLAGER, locale)
    # Approved and after: the villager may pay by QR code right from the news.
    markup = with_pay_button(buttons, request, audience.center, locale)
    return OutboxMessage(
        chat_id=request.villager_id, text=text, reply_markup=markup.to_dict() if markup else None
    )


def notifier_for(audience: Audience) -> Notifier:
    """A Notifier bound to one audience, as the request repository expects."""

    def notify(request: ServiceRequest, change: Transition) -> Sequence[OutboxMessage]:
        return messages_for(request, change, audience)

    return notify
