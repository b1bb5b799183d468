"""The picture a villager pays from: a QR code with the amount and the payee written under it."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, UnidentifiedImageError

from bot.views.poster import INK, PAPER, Font, can_draw, fit, qr_image

WIDTH = 800
MARGIN = 40
QR_BOX = WIDTH - 2 * MARGIN  # the QR code with its quiet zone
AMOUNT_SIZE, NAME_SIZE = 60, 40
LINE_GAP = 12
# Telegram photos are at most 2560 pixels a side; anything far larger is not a phone's photo.
MAX_READ_PIXELS = 40_000_000


def legible(text: str, fallback: str) -> str:
    """`text` if a font here draws all of it, else `fallback` (no missing-glyph boxes)."""
    return text if can_draw(text) else fallback


def _draw_lines(draw: ImageDraw.ImageDraw, font: Font, lines: list[str], top: int) -> int:
    """Draw `lines` centered from `top`; return the y below the last one."""
    for line in lines:
        draw.text((WIDTH // 2, top), line, font=font, fill=INK, anchor="mt")
        top += int(font.size) + LINE_GAP
    return top


def payment_picture(content: str, amount_line: str, payee_line: str) -> bytes:
    """A PNG: the QR code of `content`, then the amount to pay, then whom it goes to."""
    qr = qr_image(content, QR_BOX)
    amount = fit(amount_line, AMOUNT_SIZE, QR_BOX, 1)
    payee = fit(payee_line, NAME_SIZE, QR_BOX, 2)
    text_height = sum((int(font.size) + LINE_GAP) * len(lines) for font, lines in (amount, payee))
    page = Image.new("L", (WIDTH, MARGIN + qr.height + text_height + 2 * MARGIN), PAPER)
    page.paste(qr, ((WIDTH - qr.width) // 2, MARGIN))
    draw = ImageDraw.Draw(page)
    top = _draw_lines(draw, *amount, MARGIN + qr.height + MARGIN // 2)
    _draw_lines(draw, *payee, top)
    output = io.BytesIO()
    page.save(output, "PNG")
    return output.getvalue()


def read_qr_codes(photo: bytes) -> list[str]:
    """The texts of the QR codes in a photo, best first; none for anything unreadable."""
    # Loaded on the first photo, and its objects kept local: the decoder's bindings complain
    # on stderr, at exit, of any of their objects a module still holds (and the CLI's too).
    import zxingcpp

    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    try:
        with Image.open(io.BytesIO(photo)) as image:
            if image.width * image.height > MAX_READ_PIXELS:
                return []
            image.load()
            found = zxingcpp.read_barcodes(image, formats=qr_only)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return []
    return [code.text for code in found if code.text]
