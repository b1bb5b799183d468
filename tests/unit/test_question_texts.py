"""How questions and answers are laid out: header, escaped text, limits, buttons on the last."""

from __future__ import annotations

from bot.domain.entities import Center, User
from bot.domain.questions import Direction, EntryKind, Question, QuestionMessage, QuestionStatus
from bot.views.announcement import visible_length
from bot.views.question_texts import split_text, to_manager, to_villager, utf16_length

LEPING = Center(1, "LEPING", "Kios Desa Leping", 900, "IDR", "id", None, None, 3.0, 1)
QUESTION = Question(7, 1, 700, QuestionStatus.OPEN, 0.0, 0.0, None, None)


def siti(phone: str | None = None) -> User:
    return User(700, "Siti", "Aminah", None, "id", None, phone, 1, None, False)


def message(kind: EntryKind, text: str, file_id: str | None = None) -> QuestionMessage:
    return QuestionMessage(1, 7, Direction.TO_MANAGER, 700, kind, text, file_id, 0.0)


def test_a_short_text_stays_whole() -> None:
    assert split_text("Apakah ada pupuk urea?", 100) == ["Apakah ada pupuk urea?"]


def test_a_long_text_breaks_at_spaces_and_loses_nothing_but_the_breaks() -> None:
    text = " ".join(f"kata{n}" for n in range(2000))
    pieces = split_text(text, 1000, 4096)
    assert utf16_length(pieces[0]) <= 1000
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert " ".join(pieces) == text
    assert all(piece.startswith("kata") for piece in pieces)  # no word cut in half


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    pieces = split_text("🌾" * 10, 5, 6)
    assert [utf16_length(piece) for piece in pieces] == [4, 6, 6, 4]
    assert "".join(pieces) == "🌾" * 10


def test_a_header_too_long_for_any_text_goes_alone() -> None:
    assert split_text("pupuk", 0, 10) == ["", "pupuk"]


def test_the_manager_sees_the_name_and_only_a_shared_phone() -> None:
    text = message(EntryKind.TEXT, "Pupuk <urea> & NPK?")
    without = to_manager(QUESTION, text, siti(), LEPING, "en")
    with_phone = to_manager(QUESTION, text, siti("+6281234567890"), LEPING, "en")
    assert [m.text for m in without] == [
        "❓ <b>Question #7</b> from Siti Aminah\n\nPupuk &lt;urea&gt; &amp; NPK?"
    ]
    assert with_phone[0].text.startswith(
        "❓ <b>Question #7</b> from Siti Aminah · 📱 +6281234567890"
    )
    assert without[0].chat_id == LEPING.manager_id


def test_a_text_at_telegrams_limit_is_split_with_the_buttons_on_the_last_part() -> None:
    text = message(EntryKind.TEXT, "<" * 4096)  # escaping makes it longer, not visibly
    sent = to_manager(QUESTION, text, siti(), LEPING, "id")
    assert len(sent) == 2
    assert all(visible_length(m.text) <= 4096 for m in sent)
    assert [m.reply_markup is not None for m in sent] == [False, True]
    first_body = sent[0].text.split("\n\n", 1)[1]
    assert first_body.count("&lt;") + sent[1].text.count("&lt;") == 4096
    assert set(sent[1].text.replace("&lt;", "")) == set()


def test_a_photo_answer_carries_the_header_as_its_caption() -> None:
    photo = message(EntryKind.PHOTO, "Benih jagung", "PHOTO-1")
    [sent] = to_villager(QUESTION, photo, LEPING, "en")
    assert (sent.media_kind, sent.file_id, sent.chat_id) == ("photo", "PHOTO-1", 700)
    assert sent.text == "💬 <b>Kios Desa Leping</b> answers your question <b>#7</b>\n\nBenih jagung"
    buttons = sent.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert [b["callback_data"] for b in buttons[0]] == ["qst:7:reply"]


def test_a_caption_that_does_not_fit_next_to_the_header_follows_as_text() -> None:
    voice = message(EntryKind.VOICE, "x" * 1024, "VOICE-1")
    sent = to_manager(QUESTION, voice, siti(), LEPING, "en")
    assert [(m.media_kind, m.reply_markup is not None) for m in sent] == [
        ("voice", False),
        (None, True),
    ]
    assert sent[0].text == "❓ <b>Question #7</b> from Siti Aminah"
    assert sent[1].text == "x" * 1024
