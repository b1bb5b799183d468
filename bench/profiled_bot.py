"""`kiosdesa run` under cProfile, profiling only from SIGUSR1 on (not start-up and imports).

Used by bench/e2e_bench.py: python bench/profiled_bot.py OUT.prof; SIGUSR1 starts the
profile once the bot polls, SIGTERM stops the bot, and the profile is written on the way out.
"""

from __future__ import annotations

import cProfile
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli import main


def run(out: str) -> int:
    """Run the bot; profile from SIGUSR1 until it exits."""
    profiler = cProfile.Profile()
    signal.signal(signal.SIGUSR1, lambda signum, frame: profiler.enable())
    try:
        return main(["run"])
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1]))
