"""The printable poster: an A4 PNG whose QR code is the center's deep link, module for module."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image

from bot.views.poster import PAGE, QR_BOX, QUIET_MODULES, deep_link, make_poster

LINK = "https://t.me/kiosdesa_bot?start=LEPING"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def poster(name: str = "Kios Desa Leping", tagline: str = "Belanja lewat Telegram!") -> bytes:
    """The poster of the Leping center."""
    return make_poster(name, "LEPING", LINK, tagline)


def reference_modules(link: str) -> list[list[bool]]:
    """The QR matrix the qrcode package makes for `link`, any error correction level."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(link)
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def find_code(page: Image.Image, modules: list[list[bool]]) -> tuple[int, int, int] | None:
    """(left, top, module size) of `modules` drawn centered on `page` with a quiet zone."""
    size = QR_BOX // (len(modules) + 2 * QUIET_MODULES)
    left = (page.width - size * (len(modules) + 2 * QUIET_MODULES)) // 2 + QUIET_MODULES * size
    gray = page.convert("L")

    def dark(column: int, row: int, top: int) -> bool:
        """Whether the module at (column, row) of a code starting at `top` is printed black."""
        return gray.getpixel((left + column * size + size // 2, top + row * size + size // 2)) == 0

    def drawn_at(top: int) -> bool:
        """Whether every module of the code matches the page, starting at `top`."""
        return all(
            dark(x, y, top) == module
            for y, row in enumerate(modules)
            for x, module in enumerate(row)
        )

    last_top = page.height - len(modules) * size
    return next(((left, top, size) for top in range(last_top) if drawn_at(top)), None)


def test_the_poster_is_an_a4_png_at_150_dpi() -> None:
    data = poster()

    assert data.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == PAGE == (1240, 1754)
    assert round(image.info["dpi"][0]) == 150


def test_the_poster_carries_the_deep_link_as_a_qr_code_module_for_module() -> None:
    page = Image.open(io.BytesIO(poster()))
    modules = reference_modules(LINK)

    found = find_code(page, modules)

    assert found is not None, "the link's QR matrix is not on the poster"
    left, top, size = found
    assert size * len(modules) >= 700, "too small to scan from a step away"
    # The quiet zone around the code is blank paper, as scanners need.
    quiet = page.convert("L").crop(
        (
            left - QUIET_MODULES * size,
            top - QUIET_MODULES * size,
            left + (len(modules) + QUIET_MODULES) * size,
            top,
        )
    )
    assert quiet.getextrema() == (255, 255)


def test_a_phone_camera_would_read_the_link() -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="the QR decoder zxing-cpp is not installed")
    page = Image.open(io.BytesIO(poster()))

    assert [result.text for result in zxingcpp.read_barcodes(page)] == [LINK]


def test_long_names_and_scripts_without_a_font_still_make_a_poster() -> None:
    name = "Koperasi Unit Desa Sumber Rejeki Makmur Sejahtera Abadi Café 用"
    page = Image.open(io.BytesIO(poster(name, "用 Telegram 购物！扫描此码")))

    assert page.size == PAGE
    assert find_code(page, reference_modules(LINK)) is not None


def test_the_deep_link_opens_the_bot_with_the_center_code() -> None:
    assert deep_link("kiosdesa_bot", "LEPING") == LINK
    assert deep_link("kiosdesa_bot", "a b&c") == "https://t.me/kiosdesa_bot?start=a%20b%26c"
