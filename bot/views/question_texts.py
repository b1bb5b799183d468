"""How a question or an answer reaches the other side: a header naming who wrote, the text
(escaped), and the Reply button; kept inside Telegram's length limits.

A text too long to fit after the header is split into several messages (nothing is cut); a
caption too long to fit next to the header follows the photo or voice message as a text.
The buttons always sit under the last message.
"""

from __future__ import annotations

import html
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.entities import Center, Lane, OutboxMessage, User
from bot.domain.questions import EntryKind, Question, QuestionMessage
from bot.views import callbacks
from bot.views.announcement import MAX_CAPTION, MAX_TEXT, visible_length
from bot.views.texts import Html, h, plain, t

REPLY, CLOSE, ASK = "reply", "close", "ask"
# Between the header and the body.
GAP = "\n\n"


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def fitting_prefix(text: str, room: int) -> int:
    """How many characters of `text` fit in `room` UTF-16 units, preferring a break at a space."""
    used, end = 0, 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            break
        end = index + 1
    space = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end))
    return space + 1 if space > end // 2 else end


def split_text(text: str, first_room: int, room: int = MAX_TEXT) -> list[str]:
    """Split plain text into pieces: the first fits `first_room`, the others `room`."""
    pieces: list[str] = []
    rest, limit = text.strip(), max(first_room, 0)
    while utf16_length(rest) > limit:
        cut = fitting_prefix(rest, limit)
        piece, rest = rest[:cut].strip(), rest[cut:].strip()
        pieces.append(piece)  # an empty first piece: the header goes alone
        limit = room
    if rest:
        pieces.append(rest)
    return pieces


def buttons(question_id: int, locale: str, *, closable: bool) -> InlineKeyboardMarkup:
    """Reply (and Close, for the manager) for this thread."""
    actions = (REPLY, CLOSE) if closable else (REPLY,)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    plain(locale, f"ask.{action}"),
                    callback_data=callbacks.build(callbacks.QUESTION, question_id, action),
                )
                for action in actions
            ]
        ]
    )


def ask_button(locale: str) -> InlineKeyboardButton:
    """The "Ask the manager" button that opens /ask."""
    return InlineKeyboardButton(
        plain(locale, "ask.button"), callback_data=callbacks.build(callbacks.QUESTION, 0, ASK)
    )


def carry(
    chat_id: int, header: str, message: QuestionMessage, markup: InlineKeyboardMarkup
) -> list[OutboxMessage]:
    """The outbox messages that deliver `message` under `header` (HTML), buttons on the last."""
    keyboard = dict(markup.to_dict())
    if message.kind is EntryKind.TEXT:
        return texts(chat_id, header, message.text, keyboard)
    caption = message.text.strip()
    room = MAX_CAPTION - visible_length(header) - len(GAP)
    if utf16_length(caption) <= room:
        body = header + GAP + html.escape(caption, quote=False) if caption else header
        return [media(chat_id, body, message, keyboard)]
    # The caption does not fit next to the header: it follows as a text.
    return [media(chat_id, header, message, None), *texts(chat_id, "", caption, keyboard)]


def media(
    chat_id: int, caption: str, message: QuestionMessage, keyboard: dict[str, object] | None
) -> OutboxMessage:
    """A photo or voice message by its file id."""
    return OutboxMessage(
        chat_id,
        caption,
        keyboard,
        media_kind=message.kind.value,
        file_id=message.file_id,
        lane=Lane.CONVERSATION,
    )


def texts(chat_id: int, header: str, text: str, keyboard: dict[str, object]) -> list[OutboxMessage]:
    """Header and text in as many messages as the length limit needs."""
    first_room = MAX_TEXT - visible_length(header) - len(GAP) if header else MAX_TEXT
    pieces = [html.escape(piece, quote=False) for piece in split_text(text, first_room)]
    if header:
        first = pieces[0] if pieces else ""
        pieces = [header + GAP + first if first else header, *pieces[1:]]
    last = len(pieces) - 1
    return [
        OutboxMessage(chat_id, piece, keyboard if n == last else None, lane=Lane.CONVERSATION)
        for n, piece in enumerate(pieces)
    ]


def to_manager(
    question: Question, message: QuestionMessage, villager: User, center: Center, locale: str
) -> list[OutboxMessage]:
    """The villager's message as the manager sees it: name, phone only if shared, Reply/Close."""
    phone = h(locale, "card.phone", phone=villager.phone) if villager.phone else Html("")
    header = t(
        locale, "ask.header.manager", number=question.id, name=villager.display_name, phone=phone
    )
    markup = buttons(question.id, locale, closable=True)
    # Marked as the center's: a handover drops what has not reached the manager who left.
    return [
        replace(piece, center_id=center.id)
        for piece in carry(center.manager_id, header, message, markup)
    ]


def to_villager(
    question: Question, message: QuestionMessage, center: Center, locale: str
) -> list[OutboxMessage]:
    """The manager's message as the villager sees it: from the center, with Reply."""
    header = t(locale, "ask.header.villager", number=question.id, center=center.name)
    return carry(
        question.villager_id, header, message, buttons(question.id, locale, closable=False)
    )


def closed_notice(question: Question, locale: str) -> list[OutboxMessage]:
    """The villager's news that the manager closed their question."""
    text = t(locale, "ask.closed_notice", number=question.id)
    return [OutboxMessage(question.villager_id, text, lane=Lane.CONVERSATION)]
