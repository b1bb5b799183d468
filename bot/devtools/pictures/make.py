"""Making every scene's picture into a folder."""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass
from pathlib import Path

from telegram.warnings import PTBUserWarning

from bot.devtools.pictures.draw import draw_chat
from bot.devtools.pictures.record import ChatLog, play
from bot.devtools.pictures.scenes import SCENES, Scene


@dataclass(frozen=True)
class Picture:
    """A PNG written, and the chat it shows."""

    path: Path
    chat: ChatLog


async def make_pictures(folder: Path, scenes: tuple[Scene, ...] = SCENES) -> list[Picture]:
    """Play each scene and write its picture as `folder/NAME.png`."""
    pictures = []
    with warnings.catch_warnings():
        # PTB's advice on the dialogs' per_message setting is for developers.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        for scene in scenes:
            chat = await play(scene)
            path = folder / f"{scene.name}.png"
            await asyncio.to_thread(_save, chat, path)
            pictures.append(Picture(path, chat))
    return pictures


def _save(chat: ChatLog, path: Path) -> None:
    """Draw the chat and write it as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draw_chat(chat).save(path, optimize=True)
