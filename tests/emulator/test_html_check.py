"""Unit tests of the Telegram HTML checker."""

from __future__ import annotations

import pytest

from bot.devtools.emulator.html_check import (
    HtmlParseError,
    parse_html,
    strip_outer_whitespace,
    utf16_len,
)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<i>a</i   ", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=https://x.org>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<i aba>x</i>", 'Expected equal sign in declaration of an attribute of the tag "i"'),
        ("é<q>", 'Unsupported start tag "q" at byte offset 2'),  # offsets are UTF-8 bytes
        ("&#xD800;", "invalid Unicode characters"),
    ],
)
def test_rejects_like_telegram(source: str, error: str) -> None:
    """Malformed HTML raises with tdlib's wording and byte offsets."""
    with pytest.raises(HtmlParseError) as info:
        parse_html(source)
    assert error in str(info.value)


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("<b>Halo</b> &lt;3 &amp; &quot;ok&quot; &gt;", 'Halo <3 & "ok" >'),
        ("a > b", "a > b"),  # Telegram tolerates an unescaped '>'
        ("&#128512; &#x41;", "😀 A"),
        ("&lt", "<"),  # tdlib accepts a missing semicolon
        ("<B>x</B><strong>y</>", "xy"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ("<a href='https://x.org/?a=1&amp;b=2'>link</a>", "link"),
        ("<blockquote expandable>q</blockquote>", "q"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("<s>a</s><strike>b</strike><del>c</del><u>d</u><ins>e</ins><em>f</em>", "abcdef"),
    ],
)
def test_plain_text(source: str, plain: str) -> None:
    """Valid HTML yields the text a person sees."""
    assert parse_html(source).text == plain


def test_bare_ampersand_allowed_when_lenient() -> None:
    """Real Telegram keeps a bare '&'; the lenient mode mirrors that."""
    assert parse_html("Tom & Jerry &copy;", strict=False).text == "Tom & Jerry &copy;"


def test_entities_use_utf16_offsets() -> None:
    """An emoji before a tag counts as two UTF-16 units, as Telegram reports."""
    parsed = parse_html('😀 <b>x</b> <a href="https://x.org">y</a>')
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 1},
        {"type": "text_link", "offset": 5, "length": 1, "url": "https://x.org"},
    ]


def test_pre_with_language() -> None:
    """<pre><code class="language-x"> becomes one pre entity with a language."""
    parsed = parse_html('<pre><code class="language-python">print()</code></pre>')
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 7, "language": "python"}]


def test_utf16_len_and_strip() -> None:
    """Limits count UTF-16 units; outer whitespace is trimmed with entities shifted."""
    assert utf16_len("😀a") == 3
    stripped = strip_outer_whitespace(parse_html("\n  <b>x</b> \n"))
    assert stripped.text == "x"
    assert stripped.entities == [{"type": "bold", "offset": 0, "length": 1}]
