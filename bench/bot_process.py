"""The bot as a process for the benches: started against the emulator, measured, stopped."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.devtools.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN"
KIOSDESA = ("-m", "bot.cli", "run")
START_TIMEOUT_S = 60.0


async def start_bot(
    emu: BotApiEmulator,
    workdir: Path,
    env: Mapping[str, str],
    argv: Sequence[str] = KIOSDESA,
    log_name: str = "bot.log",
) -> asyncio.subprocess.Process:
    """Start a bot process against the emulator; returns once it polls for updates."""
    polls = emu.stats.requests["getUpdates"]
    full_env = {
        **os.environ,
        **env,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    with (workdir / log_name).open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *argv, cwd=workdir, env=full_env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_S
    while emu.stats.requests["getUpdates"] == polls:
        if proc.returncode is not None or time.monotonic() > deadline:
            raise SystemExit(f"the bot did not start:\n{(workdir / log_name).read_text()}")
        await asyncio.sleep(0.05)
    return proc


async def stop_bot(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, as an operator stops the bot; it finishes and exits (writing any profile)."""
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(proc.wait(), 120)


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
