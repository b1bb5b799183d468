"""The terminal demo as a real chat: numbers as text when asked for text, `#3`, several
lines in one message, line editing and history, and the story in every language."""

from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.devtools.demo import run_demo
from bot.devtools.demo.buttons import offers_buttons
from bot.devtools.demo.script import Action, ActionKind, parse_script
from bot.devtools.emulator import Button, SentMessage
from bot.views.texts import t

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "bot" / "devtools" / "demo" / "story.txt"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|[\x01\x02]")


def after(transcript: str, line: str) -> str:
    """What the transcript shows from the step `line` up to the next step."""
    start = transcript.index(f"\n{line}\n") + len(line) + 2
    following = re.search(r"^\S+> ", transcript[start:], re.MULTILINE)
    return transcript[start : start + following.start()] if following else transcript[start:]


@pytest.mark.parametrize("language", ["id", "zh"])
async def test_the_story_plays_to_the_doorstep_in_every_language(language: str) -> None:
    out = io.StringIO()

    code = await run_demo(STORY, language=language, out=out)

    transcript = out.getvalue()
    assert code == 0, transcript
    assert transcript.rstrip().endswith("-- end of script")
    assert f"(presses [6] {t(language, 'shop.add_to_cart')})" in transcript
    completed = t(language, "status.completed")
    orders = after(transcript, "villager> /orders")
    assert re.search(rf"#1 · .* · {re.escape(completed)}", orders), orders


async def test_a_number_is_text_when_the_bot_asked_for_text(tmp_path: Path) -> None:
    script = tmp_path / "ticket.txt"
    script.write_text(
        "villager: /start LEPING\nvillager: /ticket\nvillager: press Train\n"
        # "From where?" has no buttons: 3 is the town, not the third button (Ferry) above.
        "villager: 3\nvillager: Solo\n"
        # The days offer buttons and a typed date: a number presses, and so does #2.
        "villager: #2\nvillager: 2\n"
    )
    out = io.StringIO()

    code = await run_demo(script, out=out)

    transcript = out.getvalue()
    assert code == 0, transcript
    assert "From 3 to where?" in after(transcript, "villager> 3")
    assert "Ferry" not in after(transcript, "villager> 3")
    assert "(presses [2] " in after(transcript, "villager> #2")
    assert "Type the full name of 2 passengers" in after(transcript, "villager> 2")


async def test_a_line_ending_in_a_backslash_goes_on_in_the_next(tmp_path: Path) -> None:
    script = tmp_path / "names.txt"
    script.write_text(
        "villager: /start LEPING\nvillager: /ticket\nvillager: press Train\n"
        "villager: Solo\nvillager: Jakarta\nvillager: 1\nvillager: 2\n"
        "villager: Siti Aminah\\\nBudi Santoso\n"
    )
    out = io.StringIO()

    code = await run_demo(script, out=out)

    transcript = out.getvalue()
    assert code == 0, transcript
    answer = after(transcript, "villager> Siti Aminah\\\n... Budi Santoso")
    assert "type 2 NIK / ID numbers" in answer


def test_script_lines_know_buttons_numbers_and_continued_lines() -> None:
    steps = parse_script("villager: #3\nvillager: 3\nvillager: one\\\ntwo\\\nthree\nmanager: 4\n")

    assert [(s.line, s.who, s.action) for s in steps] == [
        (1, "villager", Action(ActionKind.BUTTON, "3")),
        (2, "villager", Action(ActionKind.NUMBER, "3")),
        (3, "villager", Action(ActionKind.TEXT, "one\ntwo\nthree")),
        (6, "manager", Action(ActionKind.NUMBER, "4")),
    ]


class Terminal:
    """The demo in a pseudo-terminal, read and typed into as a person would."""

    def __init__(self) -> None:
        import pty

        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["TERM"] = "xterm"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "demo"],
            cwd=ROOT,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=subprocess.PIPE,
        )
        os.close(slave)
        self.screen = b""

    def text(self) -> str:
        """Everything shown so far, without the terminal's escape codes."""
        return ANSI.sub("", self.screen.decode("utf-8", errors="replace"))

    def wait_for(self, wanted: str, count: int = 1, within: float = 30) -> None:
        """Read until `wanted` has been shown `count` times."""
        deadline = time.monotonic() + within
        while self.text().count(wanted) < count:
            assert time.monotonic() < deadline, f"{wanted!r} x{count} not shown:\n{self.text()}"
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                self.screen += os.read(self.master, 65536)

    def type(self, keys: bytes) -> None:
        """Keys as typed at the keyboard."""
        os.write(self.master, keys)

    def close(self) -> int:
        """Ctrl-C (as the terminal sends it to the program), then the exit status."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=15)
        finally:
            self.process.kill()
            os.close(self.master)
            assert self.process.stderr is not None
            self.process.stderr.close()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_at_a_terminal_lines_are_edited_and_the_up_arrow_recalls_one() -> None:
    terminal = Terminal()
    try:
        terminal.wait_for("villager> ")
        terminal.type(b"/start LEPING\r")
        terminal.wait_for("Hello Siti!")
        # Backspace corrects a typo; the up arrow brings "/cart" back for a second time.
        terminal.type(b"/carx\x7ft\r")
        terminal.wait_for("Your cart is empty")
        terminal.type(b"\x1b[A\r")
        terminal.wait_for("Your cart is empty", count=2)
    finally:
        code = terminal.close()

    assert code == 0


def test_the_bot_asks_for_text_with_a_message_without_buttons_or_with_a_reply_field() -> None:
    card = SentMessage(1, 7, "Order #1", "", 0, buttons=[[Button("Approve", "a:1")]], version=3)
    question = SentMessage(2, 7, "Type the serial number", "", 0, version=2)
    asks = SentMessage(3, 7, "Your name?", "", 0, force_reply=True, version=4)

    assert not offers_buttons([question])
    assert offers_buttons([card, question])  # the card was edited after the question came
    assert not offers_buttons([card, question, asks])
    assert not offers_buttons([])
