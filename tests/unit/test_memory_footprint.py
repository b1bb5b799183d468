"""What the running bot carries in memory (bench/memory_bench.py measures the whole process)."""

import subprocess
import sys


def test_starting_the_bot_does_not_load_the_chart_library() -> None:
    # matplotlib costs about 50 MB; it is loaded when a manager first asks for a chart.
    probe = "import sys, bot.cli; print(sorted({'matplotlib', 'numpy'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
