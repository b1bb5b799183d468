"""Trying it for real without Telegram: the emulator with --chat in one terminal, the bot in
another, and the person at the chat playing the manager as Telegram would have them."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_cli import Kiosdesa

TOKEN = "123456:chat-for-real"
MANAGER = "11111111"
VILLAGER = "22222222"


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Program:
    """A command in its own process, its output read as it comes, its input typed."""

    def __init__(self, kiosdesa: Kiosdesa, *args: str, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=kiosdesa.workdir,
            env={**kiosdesa.env, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.shown = b""

    def text(self) -> str:
        """Everything it printed so far."""
        return self.shown.decode("utf-8", errors="replace")

    def wait_for(self, wanted: str, within: float = 60) -> str:
        """Read until `wanted` has been printed; what came from the latest line typed on."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + within
        while wanted not in self.text():
            assert time.monotonic() < deadline, f"{wanted!r} not shown:\n{self.text()}"
            assert self.process.poll() is None, f"it ended:\n{self.text()}"
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                self.shown += os.read(self.process.stdout.fileno(), 65536)
        return self.text()

    def type(self, line: str) -> None:
        """A line typed at the prompt."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def stop(self) -> int:
        """Ctrl-C, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        finally:
            self.process.kill()


@pytest.mark.skipif(sys.platform == "win32", reason="select() on pipes is POSIX")
def test_the_manager_sends_start_at_the_emulator_chat_and_doctor_sees_it(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'kiosdesa.db'}")
    kiosdesa.ok("center", "add", "LEPING", "--name", "Kios Leping", "--manager", MANAGER)
    # As docs/operating.md sets it up: the sample catalog printed, then imported.
    (tmp_path / "sample.csv").write_text(kiosdesa.ok("catalog", "sample"), "utf-8")
    assert kiosdesa.ok("catalog", "import", "LEPING", "sample.csv").startswith("imported 70")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chat = Program(
        kiosdesa,
        *("bot.devtools.emulator", "--port", str(port), "--token", TOKEN, "--chat"),
        *("--as", MANAGER, "--name", "Pak Joko"),
    )
    bot: Program | None = None
    try:
        chat.wait_for("until you leave.")
        bot = Program(kiosdesa, "bot.cli", "run", BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url)
        bot.wait_for("Kios Desa is running as @kiosdesa_bot")

        chat.type("/start")
        chat.wait_for("Anda pengelola Kios Leping")
        doctor = kiosdesa("doctor", BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url)

        chat.type(f":as {VILLAGER} Siti")
        chat.wait_for("now playing: Siti (user 22222222)")
        chat.type("/start LEPING")
        welcome = chat.wait_for("You are shopping at Kios Leping")
        chat.type("minyak goreng")
        chat.wait_for("tap a product")
        chat.type("1")  # the results offer buttons: 1 presses the first
        chat.wait_for("(presses [1] Minyak Goreng 1 liter")
        chat.type(":quit")
        assert chat.process.wait(timeout=30) == 0
    finally:
        chat.stop()
        if bot is not None:
            bot.stop()

    assert "Halo Pak Joko! Anda pengelola Kios Leping." in welcome  # the center speaks id
    assert "Hello Siti!" in welcome
    assert doctor.returncode == 0, doctor.stdout
    assert "ok   center LEPING: manager 11111111 (Pak Joko) has opened the bot" in doctor.stdout
    assert "ok   token: 123456:*** is @kiosdesa_bot" in doctor.stdout
    # A quiet start: the manager's menu waits for their /start without a warning.
    assert "WARNING" not in bot.text(), bot.text()


@pytest.mark.skipif(sys.platform == "win32", reason="select() on pipes is POSIX")
def test_without_a_running_bot_the_chat_says_what_to_start(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, None)
    port = free_port()
    chat = Program(kiosdesa, "bot.cli", "emulator", "--port", str(port), "--chat", "--as", MANAGER)
    try:
        chat.wait_for("It takes any bot token (--token makes it refuse all others).")
        chat.type("/start")
        shown = chat.wait_for("its answers show here when they come")
        chat.type(":quit")
        assert chat.process.wait(timeout=30) == 0
    finally:
        chat.stop()

    started = f"Start it in another terminal with TELEGRAM_API_URL=http://127.0.0.1:{port}"
    assert f"no bot has fetched this. {started}" in shown
    assert f"user {MANAGER}> " in shown


def test_the_chat_needs_the_user_to_play(tmp_path: Path) -> None:
    done = Kiosdesa(tmp_path, None)("emulator", "--chat")

    assert done.returncode == 2
    assert done.stderr == "kiosdesa: --chat needs --as USER_ID: the Telegram user you play first\n"
