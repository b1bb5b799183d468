"""`kiosdesa demo`: the shipped story replays, the chat reads as in Telegram, Ctrl-C is clean."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.devtools.demo import ScriptError, run_demo
from bot.devtools.demo.render import Style, render_buttons, render_text
from bot.devtools.demo.script import Action, ActionKind, parse_action, parse_script
from bot.devtools.emulator import Button

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "bot" / "devtools" / "demo" / "story.txt"


def demo_process(*args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    """`python -m bot.cli demo ...` from the repository root, as a person would start it."""
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", *args],
        cwd=ROOT,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def after(transcript: str, line: str) -> str:
    """What the transcript shows from the step `line` up to the next step."""
    start = transcript.index(f"\n{line}\n") + len(line) + 2
    following = re.search(r"^\S+> ", transcript[start:], re.MULTILINE)
    return transcript[start : start + following.start()] if following else transcript[start:]


async def test_the_shipped_story_plays_from_the_poster_to_the_doorstep() -> None:
    out = io.StringIO()

    code = await run_demo(STORY, out=out)

    transcript = out.getvalue()
    assert code == 0, transcript
    assert "\x1b[" not in transcript  # no ANSI escapes off a terminal
    assert "+6281234567890 is saved" in after(transcript, "villager> contact")
    results = after(transcript, "villager> minyk goreng")
    assert "[1] Minyak Goreng 1 liter" in results
    assert "(presses [1] Minyak Goreng 1 liter" in after(transcript, "villager> 1")
    assert "[1] 1  [2] ✓ 2  [3] 3" in after(transcript, "villager> press 2")
    assert "keyboard: <📍 Send my location (type: location)>" in after(
        transcript, "villager> press Delivery"
    )
    confirmed = after(transcript, "villager> press Confirm")
    assert "Order sent" in confirmed and "#1" in confirmed
    card = confirmed[confirmed.index("bot -> manager") :]
    assert "Siti" in card and "next to the mosque" in card
    assert "    [1] Approve  [2] Reject\n" in card
    approved = after(transcript, "manager> press Approve")
    assert "(edited)" in approved and "[1] Out for delivery" in approved
    assert "bot -> villager" in approved and "was approved" in approved
    assert "#1 is completed" in after(transcript, "manager> press Delivered")
    assert "#1 · Goods order · IDR36,000 · Completed" in after(transcript, "villager> /orders")
    served = after(transcript, "manager> SN 0812-7781-2290")
    assert "Your top-up #2 is done" in served and "Serial number: SN 0812-7781-2290" in served
    assert "#2 · Phone top-up · IDR11,500 · Completed" in transcript
    sent = after(transcript, "manager> press Send")
    assert "Pasar murah hari Sabtu" in sent and "Sent: 1" in sent
    assert "no longer receive the center's announcements" in after(transcript, "villager> /mute")
    assert transcript.rstrip().endswith("-- end of script")


async def test_a_step_that_cannot_be_done_stops_the_replay_and_names_its_line(
    tmp_path: Path,
) -> None:
    script = tmp_path / "broken.txt"
    script.write_text("villager: /start LEPING\nvillager: press Checkout\nvillager: /cart\n")
    out = io.StringIO()

    code = await run_demo(script, out=out)

    assert code == 1
    assert f"-- {script}:2: no message with buttons in the villager's chat" in out.getvalue()
    assert "villager> /cart" not in out.getvalue()


async def test_a_script_with_bad_lines_is_refused_before_anything_starts(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("# fine\nvillager /start\ngrandma: hello\nmanager:\n")

    with pytest.raises(ScriptError) as refused:
        await run_demo(script, out=io.StringIO())

    assert str(refused.value).splitlines() == [
        f"{script}:2: expected 'who: what they type or press', e.g. 'villager: /start LEPING'",
        f"{script}:3: unknown person 'grandma': use villager, manager or a user id",
        f"{script}:4: nothing to type or press after the colon",
    ]


def test_script_lines_read_like_what_people_type() -> None:
    steps = parse_script(
        "villager: /start LEPING\n  # a comment\n\nMANAGER: press Approve\n"
        "2002: 3\nvillager: location\nvillager: contact\nvillager: say 3\nvillager: 12345\n"
    )

    assert [(s.line, s.who, s.action) for s in steps] == [
        (1, "villager", Action(ActionKind.TEXT, "/start LEPING")),
        (4, "manager", Action(ActionKind.PRESS, "Approve")),
        (5, "2002", Action(ActionKind.NUMBER, "3")),
        (6, "villager", Action(ActionKind.LOCATION)),
        (7, "villager", Action(ActionKind.CONTACT)),
        (8, "villager", Action(ActionKind.TEXT, "3")),
        (9, "villager", Action(ActionKind.TEXT, "12345")),
    ]
    assert parse_action("press") == Action(ActionKind.TEXT, "press")


def test_emphasis_is_plain_text_off_a_terminal_and_ansi_on_one() -> None:
    # "🛵" is two UTF-16 units: Telegram's offsets count them so.
    text = "🛵 Order #1 is on its way: see map"
    entities = [
        {"type": "bold", "offset": 3, "length": 8},
        {"type": "text_link", "offset": 31, "length": 3, "url": "https://example.org/m"},
    ]

    assert render_text(text, entities, Style(ansi=False)) == (
        "🛵 Order #1 is on its way: see map (https://example.org/m)"
    )
    assert render_text(text, entities, Style(ansi=True)) == (
        "🛵 \x1b[1mOrder #1\x1b[22m is on its way: see map (https://example.org/m)"
    )


def test_buttons_are_numbered_across_rows() -> None:
    rows = [[Button("1", "q:1"), Button("✓ 2", "q:2")], [Button("Add to cart", "add")]]

    assert render_buttons(rows) == ["[1] 1  [2] ✓ 2", "[3] Add to cart"]


def test_the_command_replays_the_story_and_exits_on_its_own() -> None:
    with demo_process("--script", "bot/devtools/demo/story.txt") as process:
        try:
            out, err = process.communicate(timeout=30)
        finally:
            process.kill()

    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "manager> press Approve" in out and "#1 is completed" in out
    # The manager has not opened the bot when it starts: expected, so no warning about it.
    assert "WARNING" not in err + out


def test_the_chat_takes_typed_lines_and_switches_people() -> None:
    with demo_process(stdin=subprocess.PIPE) as process:
        try:
            out, err = process.communicate(
                "/start LEPING\n:manager\n/start\n:as 2002\n:nonsense\n:quit\n", timeout=30
            )
        finally:
            process.kill()

    assert process.returncode == 0, err
    assert "villager> /start LEPING\n  bot -> villager #2:\n    Hello Siti!" in out
    assert "-- now playing: manager (user 1001)" in out
    assert "manager> /start\n  bot -> manager #2:\n    Hello Pak Joko! You manage" in out
    assert "-- now playing: villager 2002 (user 2002)" in out
    assert "-- unknown command ':nonsense'; :help lists them" in out


def test_ctrl_c_ends_the_chat_and_removes_the_database() -> None:
    # stdin stays open: the chat waits for input, as at a terminal.
    with demo_process(stdin=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        try:
            banner = ""
            while "Start with" not in banner:
                line = process.stdout.readline()
                assert line, "the demo ended before greeting"
                banner += line
            workdir = re.search(r"file in (\S+), deleted on exit", banner)
            assert workdir is not None and Path(workdir[1]).is_dir()

            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)
            out, err = process.stdout.read(), process.stderr.read()
        finally:
            process.kill()

    assert process.returncode == 0, err
    assert "-- stopped" in out and "Traceback" not in err
    assert not Path(workdir[1]).exists()
