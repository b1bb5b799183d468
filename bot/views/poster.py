"""A printable A4 poster inviting villagers to join a center by scanning its QR code."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from urllib.parse import quote

import qrcode
from PIL import Image, ImageDraw, ImageFont

DPI = 150
PAGE = (1240, 1754)  # A4 portrait (210 x 297 mm) at 150 dpi
MARGIN = 100
FRAME_INSET, FRAME_WIDTH = 40, 6  # a border to cut along
QR_BOX = 1000  # the QR code's area in pixels, quiet zone included
QUIET_MODULES = 4  # the white border scanners need around the code
INK, PAPER = 0, 255
NAME_SIZE, TAGLINE_SIZE, LINK_SIZE, MIN_SIZE = 96, 60, 40, 24
LINE_GAP = 14
# Tried in order for each text; the first that has every glyph wins. Pillow's own font
# (basic Latin only: no "é", no Chinese) is the last resort, so a fresh machine still works.
FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
# A private-use code point no font draws: its "missing glyph" box is what a gap looks like.
MISSING = "\U000ffffd"

Font = ImageFont.FreeTypeFont


def deep_link(bot_username: str, code: str) -> str:
    """The t.me link that opens the bot and joins center `code`."""
    return f"https://t.me/{bot_username}?start={quote(code, safe='')}"


def qr_modules(link: str) -> list[list[bool]]:
    """The QR code of `link` as rows of dark (True) and light modules, without quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(link)
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def qr_image(link: str, box: int) -> Image.Image:
    """The QR code with its quiet zone, in whole pixels per module, at most `box` wide."""
    modules = qr_modules(link)
    count = len(modules) + 2 * QUIET_MODULES
    small = Image.new("L", (count, count), PAPER)
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                small.putpixel((x + QUIET_MODULES, y + QUIET_MODULES), INK)
    side = count * (box // count)
    return small.resize((side, side), Image.Resampling.NEAREST)


@cache
def font_at(path: Path | None, size: int) -> Font:
    """The font file at `size`; None is Pillow's built-in font."""
    if path is not None:
        return ImageFont.truetype(str(path), size)
    font = ImageFont.load_default(size=size)
    if not isinstance(font, Font):
        raise RuntimeError("this Pillow was built without FreeType")
    return font


def glyph(font: Font, char: str) -> tuple[tuple[int, int], bytes]:
    """The bitmap `font` draws for `char`, comparable with another."""
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def has_glyphs(font: Font, text: str) -> bool:
    """Whether `font` draws every visible character of `text` (none as a missing-glyph box)."""
    missing = glyph(font, MISSING)
    return all(char.isspace() or glyph(font, char) != missing for char in set(text))


def font_for(text: str, size: int) -> Font:
    """The first available font that has every glyph of `text`, else Pillow's built-in one."""
    for path in FONT_FILES:
        if path.is_file() and has_glyphs(font := font_at(path, size), text):
            return font
    return font_at(None, size)


def can_draw(text: str) -> bool:
    """Whether some available font draws `text` without missing-glyph boxes."""
    return has_glyphs(font_for(text, TAGLINE_SIZE), text)


def wrap(text: str, font: Font, width: int) -> list[str]:
    """Break `text` at spaces into lines no wider than `width` (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def fit(text: str, size: int, width: int, max_lines: int) -> tuple[Font, list[str]]:
    """The largest font (from `size` down) that fits `text` in `width` on `max_lines` lines."""
    while True:
        font = font_for(text, size)
        lines = wrap(text, font, width)
        fits = all(font.getlength(line) <= width for line in lines)
        if (fits and len(lines) <= max_lines) or size <= MIN_SIZE:
            return font, lines
        size -= 4


def draw_centered(draw: ImageDraw.ImageDraw, font: Font, lines: list[str], top: int) -> int:
    """Draw `lines` centered on the page from `top`; return the y below the last line."""
    for line in lines:
        draw.text((PAGE[0] // 2, top), line, font=font, fill=INK, anchor="mt")
        top += int(font.size) + LINE_GAP
    return top


def make_poster(center_name: str, code: str, link: str, tagline: str) -> bytes:
    """A PNG poster: the center's name, the invitation, a big QR code of `link` and the link."""
    page = Image.new("L", PAGE, PAPER)
    draw = ImageDraw.Draw(page)
    width = PAGE[0] - 2 * MARGIN
    frame = (FRAME_INSET, FRAME_INSET, PAGE[0] - FRAME_INSET - 1, PAGE[1] - FRAME_INSET - 1)
    draw.rectangle(frame, outline=INK, width=FRAME_WIDTH)
    top = draw_centered(draw, *fit(center_name, NAME_SIZE, width, 2), MARGIN)
    top = draw_centered(draw, *fit(tagline, TAGLINE_SIZE, width, 2), top + 30)
    qr = qr_image(link, QR_BOX)
    page.paste(qr, ((PAGE[0] - qr.width) // 2, top + 10))
    draw_centered(draw, *fit(link, LINK_SIZE, width, 1), top + 10 + qr.height)
    # The join code alone, for villagers who type "/start CODE" or search the center.
    draw_centered(draw, *fit(code, LINK_SIZE, width, 1), PAGE[1] - MARGIN - LINK_SIZE)
    output = io.BytesIO()
    page.save(output, "PNG", dpi=(DPI, DPI))
    return output.getvalue()
