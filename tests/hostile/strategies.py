"""Hostile input: the strangest text, button data and message kinds a user can send."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.views import callbacks

# Characters that have broken chat bots before: markup, bidi and invisible controls.
NASTY = (
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "<b>",
    "</b>",
    "<a href='x'>",
    "<script>",
    '"',
    "'",
    "*",
    "_",
    "`",
    "```",
    "[x](http://a)",
    "~",
    "|",
    "\\",
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u2066",  # left-to-right isolate
    "مرحبا",
    "שלום",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\t",
    "👨‍👩‍👧‍👦",
    "🇮🇩",
    "e\u0301",  # combining accent
    "\U0010ffff",
    "﷽",
    "%s%n{0}",
    "'; DROP TABLE requests; --",
    "0",
    "-1",
    "1e309",
    "9" * 30,
    "Rp 15.000",
    "0812 3456 7890",
    "+62 812-3456-7890",
    "minyak",
    "beras 5kg",
    "Solo",
    "besok",
)
# Lone surrogates can arrive as JSON escapes (\ud83d) though Telegram never sends them in UTF-8.
SURROGATES = ("\ud83d", "\udc00", "a\ud800b")


def hostile_text(*, surrogates: bool = True) -> st.SearchStrategy[str]:
    """Arbitrary text, weighted toward the pieces above, sometimes 10,000 characters long."""
    pieces = list(NASTY) + (list(SURROGATES) if surrogates else [])
    mixed = st.lists(
        st.one_of(st.sampled_from(pieces), st.text(min_size=1, max_size=8)), min_size=1, max_size=8
    ).map("".join)
    long = st.tuples(st.sampled_from(pieces), st.integers(4000, 10_000)).map(
        lambda p: (p[0] * p[1])[: p[1]]
    )
    # Telegram clients trim what the user typed and never send an empty message.
    return (
        st.one_of(mixed, mixed, mixed, mixed, st.text(max_size=50), long)
        .map(str.strip)
        .filter(bool)
    )


def typed_text() -> st.SearchStrategy[str]:
    """Hostile text that is not a command (what a dialog step receives as an answer)."""
    return hostile_text().filter(lambda s: not s.startswith("/"))


def forged_callback() -> st.SearchStrategy[str]:
    """Button data a modified client might send: our prefixes with bad or foreign parts."""
    prefix = st.sampled_from(sorted(callbacks.PREFIXES))
    ident = st.one_of(
        st.integers(0, 50).map(str),
        st.sampled_from(["-1", "007", "3000000000", "9" * 25, "١٢", "", "x", "1.5"]),
    )
    arg = st.one_of(
        st.none(),
        st.sampled_from(
            [
                "ap",
                "rj",
                "cn",
                "q7",
                "q999",
                "inc",
                "rm",
                "ok",
                "no",
                "own",
                "tok",
                "confirm",
                "start",
                "pickup",
                "save",
                "send",
                "cancel",
                "reply",
                "close",
                "ask",
                "unit",
                "skip",
                "zz",
                "AP",
                "x" * 17,
                "",
                "ok:extra",
            ]
        ),
    )
    shaped = st.tuples(prefix, ident, arg).map(
        lambda p: f"{p[0]}:{p[1]}" if p[2] is None else f"{p[0]}:{p[1]}:{p[2]}"
    )
    return st.one_of(shaped, shaped, st.text(max_size=64), st.sampled_from(list(NASTY)))


def stray_kind() -> st.SearchStrategy[str]:
    """Something other than text where text is expected."""
    return st.sampled_from(["photo", "document", "voice", "contact", "location", "sticker"])


COMMANDS = (
    "/start", "/cancel", "/cart", "/orders", "/checkout", "/topup", "/bill", "/ticket",
    "/lodging", "/sell", "/ask", "/help", "/language", "/search", "/categories", "/queue",
    "/product", "/broadcast", "/stock", "/price", "/report", "/export", "/today", "/catalog",
    "/newcenter", "/setmanager", "/centers", "/mute", "/unmute", "/poster", "/broadcasts",
    "/pay", "/qris",
)  # fmt: skip


def interruption() -> st.SearchStrategy[str]:
    """A command typed in the middle of a dialog (sometimes with a hostile argument)."""
    return st.one_of(
        st.sampled_from(COMMANDS),
        st.tuples(st.sampled_from(COMMANDS), hostile_text(surrogates=False)).map(" ".join),
    )
