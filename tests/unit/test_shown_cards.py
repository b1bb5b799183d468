"""The note of what a press put on a card: it stands for exactly that content until redrawn."""

from __future__ import annotations

from bot.transport.shown_cards import MAX_NOTES, ShownCards

BUTTONS = {"inline_keyboard": [[{"text": "Siap diambil", "callback_data": "rq:1:ready"}]]}


def test_an_edit_to_what_the_press_showed_is_skipped_until_the_card_changes() -> None:
    shown = ShownCards()
    shown.note(900001, 7, "🧾 #1 · Disetujui", BUTTONS)
    assert shown.already_shows(900001, 7, "🧾 #1 · Disetujui", dict(BUTTONS))
    assert shown.already_shows(900001, 7, "🧾 #1 · Disetujui", BUTTONS)  # a double tap too
    shown.note(900001, 7, "🧾 #1 · Siap diambil", None)
    assert not shown.already_shows(900001, 7, "🧾 #1 · Disetujui", BUTTONS)


def test_an_edit_that_failed_is_forgotten_but_not_a_newer_redraw() -> None:
    shown = ShownCards()
    shown.note(900001, 7, "🧾 #1 · Disetujui", BUTTONS)
    shown.forget(900001, 7, "🧾 #1 · Disetujui", BUTTONS)
    assert not shown.already_shows(900001, 7, "🧾 #1 · Disetujui", BUTTONS)
    shown.note(900001, 7, "🧾 #1 · Siap diambil", None)
    shown.forget(900001, 7, "🧾 #1 · Disetujui", BUTTONS)  # the outbox's older edit failed
    assert shown.already_shows(900001, 7, "🧾 #1 · Siap diambil", None)


def test_other_content_or_another_message_is_still_edited() -> None:
    shown = ShownCards()
    shown.note(900001, 7, "🧾 #1 · Disetujui", BUTTONS)
    assert not shown.already_shows(900001, 8, "🧾 #1 · Disetujui", BUTTONS)
    assert not shown.already_shows(900001, 7, "🧾 #1 · Selesai", None)


def test_notes_the_sender_never_asked_about_are_forgotten_oldest_first() -> None:
    shown = ShownCards()
    for message_id in range(MAX_NOTES + 1):
        shown.note(900001, message_id, "card", None)
    assert not shown.already_shows(900001, 0, "card", None)
    assert shown.already_shows(900001, MAX_NOTES, "card", None)
