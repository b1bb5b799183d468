"""Drawing a chat as Telegram shows it: header, bubbles, inline buttons, photos, keyboard."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from bot.devtools.pictures.layout import Fonts, Line, fonts, styled, wrap
from bot.devtools.pictures.record import Bubble, ChatLog

WIDTH = 840  # twice a phone's 420 points: sharp on high-density screens
MARGIN = 24
PAD_X, PAD_Y = 22, 16
GAP = 14
RADIUS = 22
TEXT_SIZE = 27
SMALL_SIZE = 21
LINE_HEIGHT = 37
SMALL_LINE = 30
BUTTON_HEIGHT = 60
BUTTON_GAP = 6
HEADER_HEIGHT = 116
INPUT_HEIGHT = 84
MAX_BUBBLE = int((WIDTH - 2 * MARGIN) * 0.82)
MAX_PHOTO_HEIGHT = 760
CANVAS_HEIGHT = 12_000  # drawn on a tall canvas, then cut to what was used

BACKGROUND = (215, 227, 203)
HEADER = (81, 125, 162)
HEADER_TEXT = (255, 255, 255)
HEADER_SUBTITLE = (214, 228, 240)
BOT_BUBBLE = (255, 255, 255)
MY_BUBBLE = (226, 248, 203)
TEXT = (20, 24, 28)
LINK = (36, 113, 179)
CODE = (156, 50, 70)
MUTED = (120, 130, 140)
BUTTON = (117, 150, 120)
BUTTON_TEXT = (255, 255, 255)
KEYBOARD = (236, 239, 242)
KEY = (255, 255, 255)
INPUT = (255, 255, 255)
COLOUR_OF_STYLE = {"link": LINK, "code": CODE}


@dataclass
class Canvas:
    """The image being drawn and how far down it is filled."""

    image: Image.Image
    draw: ImageDraw.ImageDraw
    y: int = 0


def draw_chat(chat: ChatLog) -> Image.Image:
    """The whole picture of a chat."""
    image = Image.new("RGB", (WIDTH, CANVAS_HEIGHT), BACKGROUND)
    canvas = Canvas(image, ImageDraw.Draw(image))
    _header(canvas, chat)
    canvas.y += GAP + 6
    for bubble in chat.bubbles:
        _bubble(canvas, bubble)
        canvas.y += GAP
    canvas.y += 10
    _input_bar(canvas)
    if chat.keyboard:
        _keyboard(canvas, chat.keyboard)
    return image.crop((0, 0, WIDTH, canvas.y))


def _header(canvas: Canvas, chat: ChatLog) -> None:
    """The chat's title bar: the bot's name, and whose chat this is."""
    canvas.draw.rectangle((0, 0, WIDTH, HEADER_HEIGHT), fill=HEADER)
    big, small = fonts(32).faces["bold"], fonts(SMALL_SIZE + 1).faces["plain"]
    canvas.draw.text((MARGIN + 4, 22), "Kios Desa", font=big, fill=HEADER_TEXT)
    canvas.draw.text((MARGIN + 4, 68), chat.scene.title, font=small, fill=HEADER_SUBTITLE)
    canvas.y = HEADER_HEIGHT


def _bubble(canvas: Canvas, bubble: Bubble) -> None:
    """One message: its box on the bot's side (left) or the person's (right), then buttons."""
    text_fonts = fonts(TEXT_SIZE)
    lines = wrap(
        styled(bubble.text, bubble.entities, text_fonts.drawable),
        text_fonts,
        MAX_BUBBLE - 2 * PAD_X,
    )
    photo = _photo(bubble.image) if bubble.image else None
    inner = max([text_fonts.width(line) for line in lines] + [0])
    if photo is not None:
        inner = max(inner, photo.width - 2 * PAD_X + 12)
    if bubble.document and photo is None:
        inner = max(inner, 64 + 16 + text_fonts.faces["bold"].getlength(bubble.document))
    width = int(min(MAX_BUBBLE, inner + 2 * PAD_X))
    height = _bubble_height(lines, photo, bubble)
    left = WIDTH - MARGIN - width if bubble.mine else MARGIN
    fill = MY_BUBBLE if bubble.mine else BOT_BUBBLE
    box = (left, canvas.y, left + width, canvas.y + height)
    canvas.draw.rounded_rectangle(box, RADIUS, fill=fill)
    y = canvas.y
    if photo is not None:
        canvas.image.paste(photo, (left + (width - photo.width) // 2, y + 6))
        y += photo.height + 6
    if bubble.document and photo is not None:
        _file_name(canvas, left + PAD_X, y + PAD_Y, bubble.document)
        y += SMALL_LINE
    elif bubble.document:
        _document(canvas, left + PAD_X, y + PAD_Y, bubble.document)
        y += 64 + PAD_Y
    _text(canvas, lines, left + PAD_X, y + PAD_Y - 2, text_fonts)
    canvas.y += height
    if bubble.buttons:
        _buttons(canvas, bubble.buttons, left, max(width, 440))


def _bubble_height(lines: list[Line], photo: Image.Image | None, bubble: Bubble) -> int:
    """How tall the bubble's box is."""
    height = len(lines) * LINE_HEIGHT + (2 * PAD_Y if lines else 0)
    if photo is not None:
        height += photo.height + (6 if lines else 12)
    if bubble.document and photo is not None:
        height += SMALL_LINE + (0 if lines else 2 * PAD_Y)
    elif bubble.document:
        height += 64 + PAD_Y + (0 if lines else PAD_Y)
    return height


def _text(canvas: Canvas, lines: list[Line], x: int, y: int, text_fonts: Fonts) -> None:
    """Lines of styled text from (x, y)."""
    for line in lines:
        cursor = float(x)
        for text, style in line:
            face = text_fonts.faces[style]
            colour = COLOUR_OF_STYLE.get(style, TEXT)
            canvas.draw.text((cursor, y), text, font=face, fill=colour)
            cursor += face.getlength(text)
        y += LINE_HEIGHT


def _photo(data: bytes) -> Image.Image:
    """The photo scaled to the bubble, as Telegram shows it."""
    photo = Image.open(io.BytesIO(data)).convert("RGB")
    scale = min((MAX_BUBBLE - 12) / photo.width, MAX_PHOTO_HEIGHT / photo.height)
    size = (max(1, int(photo.width * scale)), max(1, int(photo.height * scale)))
    return photo.resize(size, Image.Resampling.LANCZOS)


def _document(canvas: Canvas, x: int, y: int, name: str) -> None:
    """A file: a round icon and its name."""
    canvas.draw.ellipse((x, y, x + 64, y + 64), fill=HEADER)
    canvas.draw.rectangle((x + 22, y + 18, x + 42, y + 46), outline=HEADER_TEXT, width=3)
    bold = fonts(TEXT_SIZE).faces["bold"]
    canvas.draw.text((x + 80, y + 16), name, font=bold, fill=TEXT)


def _file_name(canvas: Canvas, x: int, y: int, name: str) -> None:
    """The name of a file shown as a picture, under it."""
    canvas.draw.text((x, y), name, font=fonts(SMALL_SIZE).faces["plain"], fill=MUTED)


def _buttons(canvas: Canvas, rows: list[list[str]], left: int, width: int) -> None:
    """Inline buttons under a message, row by row, each row sharing the width."""
    face = fonts(SMALL_SIZE + 2)
    for row in rows:
        canvas.y += BUTTON_GAP
        cell = (width - BUTTON_GAP * (len(row) - 1)) / len(row)
        for i, label in enumerate(row):
            x0 = left + i * (cell + BUTTON_GAP)
            box = (x0, canvas.y, x0 + cell, canvas.y + BUTTON_HEIGHT)
            canvas.draw.rounded_rectangle(box, 14, fill=BUTTON)
            _centred(canvas, box, _label(label, face, cell - 16), face, BUTTON_TEXT)
        canvas.y += BUTTON_HEIGHT


def _label(label: str, face: Fonts, width: float) -> str:
    """The label without symbols the font lacks, cut with … if it is too wide."""
    text = "".join(c for c, _ in styled(label, [], face.drawable)).strip()
    while text and face.width([(text, "plain")]) > width:
        text = text[:-2] + "…"
    return text


def _centred(
    canvas: Canvas,
    box: tuple[float, float, float, float],
    text: str,
    face: Fonts,
    colour: tuple[int, int, int],
) -> None:
    """Text in the middle of a box."""
    x = (box[0] + box[2]) / 2
    y = (box[1] + box[3]) / 2
    canvas.draw.text((x, y), text, font=face.faces["plain"], fill=colour, anchor="mm")


def _input_bar(canvas: Canvas) -> None:
    """The field where the person types."""
    canvas.draw.rectangle((0, canvas.y, WIDTH, canvas.y + INPUT_HEIGHT), fill=INPUT)
    face = fonts(TEXT_SIZE).faces["plain"]
    canvas.draw.text(
        (MARGIN + 8, canvas.y + INPUT_HEIGHT / 2), "Message", font=face, fill=MUTED, anchor="lm"
    )
    canvas.y += INPUT_HEIGHT


def _keyboard(canvas: Canvas, rows: list[list[str]]) -> None:
    """The reply keyboard the bot left open, under the input field."""
    face = fonts(SMALL_SIZE + 2)
    top = canvas.y
    height = len(rows) * (BUTTON_HEIGHT + 10) + 14
    canvas.draw.rectangle((0, top, WIDTH, top + height), fill=KEYBOARD)
    canvas.y += 12
    for row in rows:
        cell = (WIDTH - 2 * MARGIN - 10 * (len(row) - 1)) / len(row)
        for i, label in enumerate(row):
            x0 = MARGIN + i * (cell + 10)
            box = (x0, canvas.y, x0 + cell, canvas.y + BUTTON_HEIGHT)
            canvas.draw.rounded_rectangle(box, 12, fill=KEY)
            _centred(canvas, box, _label(label, face, cell - 16), face, TEXT)
        canvas.y += BUTTON_HEIGHT + 10
    canvas.y = top + height
