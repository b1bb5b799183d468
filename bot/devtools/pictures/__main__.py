"""`python -m bot.devtools.pictures FOLDER`: make the README's pictures of the chats again."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.devtools.demo.script import DemoError
from bot.devtools.pictures.make import make_pictures


def main(argv: list[str] | None = None) -> int:
    """Play every scene with the real bot and write one PNG each; 1 if a scene fails."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.devtools.pictures",
        description="Play each scene with the real bot against the local Telegram emulator "
        "and draw the chat as a PNG.",
    )
    parser.add_argument("folder", type=Path, help="where to write the PNGs (docs/pictures)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the bot's own warnings are not the pictures'
    try:
        pictures = asyncio.run(make_pictures(args.folder))
    except DemoError as exc:
        print(f"a scene could not be played: {exc}", file=sys.stderr)
        return 1
    for picture in pictures:
        print(picture.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
