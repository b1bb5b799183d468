"""Run every benchmark and print one table: metric, value, target, result.

Run: python bench/run_all.py            (full sizes: for a quiet machine, tens of minutes)
     python bench/run_all.py --quick    (small sizes, a few minutes: checks the suite runs)
     python bench/run_all.py --only search quality orders memory broadcast e2e
Each bench also runs alone (see its docstring). Exit status 1 if any target is missed.
Latency and throughput are wall-clock: other work on the machine changes them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import asyncpg  # noqa: E402
import memory_bench  # noqa: E402
import orders_bench  # noqa: E402
import search_bench  # noqa: E402
import search_quality  # noqa: E402

BENCHES = ("search", "quality", "orders", "memory", "broadcast", "e2e")


@dataclass(frozen=True)
class Row:
    """One line of the summary table."""

    metric: str
    value: str
    target: str = "-"
    result: str = "info"  # PASS, FAIL, info (no target), skipped


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def search_rows(quick: bool) -> list[Row]:
    """Search latency at each catalogue size (bench/search_bench.py)."""
    sizes = (1_000, 10_000) if quick else search_bench.SIZES
    rows = []
    for size in sizes:
        result = search_bench.measure(size, 100 if quick else 500, seed=7)
        p95 = search_bench.percentile(result.latencies_ms, 0.95)
        target = search_bench.P95_TARGET_MS[size]
        rows.append(
            Row(f"search p95 latency, {size:,} products", f"{p95:.2f} ms", f"<= {target:g} ms",
                verdict(p95 <= target))
        )  # fmt: skip
    return rows


def quality_rows(quick: bool) -> list[Row]:
    """Top-3 share of the 200 village queries (bench/search_quality.py)."""
    queries = search_quality.load_queries()
    rows = []
    for extra in (0, 10_000) if quick else (0, 10_000, 100_000):
        result = search_quality.measure(extra, queries)
        rows.append(
            Row(f"search top-3 share, {len(queries)} queries, {result.products:,} products",
                f"{result.share:.3f}", f">= {search_quality.TARGET:g}",
                verdict(result.share >= search_quality.TARGET))
        )  # fmt: skip
    return rows


def orders_rows(quick: bool) -> list[Row]:
    """Goods orders submitted per second (bench/orders_bench.py); no target in the issue."""
    levels = [1, 8] if quick else [1, 8, 32]
    orders = 40 if quick else 400
    rows = []
    for backend in ("sqlite", "postgres"):
        try:
            results = asyncio.run(
                orders_bench.run([backend], levels, orders, orders_bench.DEFAULT_PG)
            )
        except (OSError, asyncpg.PostgresError) as exc:  # no PostgreSQL server here
            rows.append(Row(f"order submission, {backend}", f"not run: {exc}", result="skipped"))
            continue
        rows += [
            Row(f"orders/s, {backend}, {r.concurrency} submitters", f"{r.per_second:.1f}")
            for r in results
        ]
    return rows


def memory_rows(quick: bool) -> list[Row]:
    """Peak RSS of the bot process (bench/memory_bench.py)."""
    products, villagers = (10_000, 1_000) if quick else (100_000, 10_000)
    result = asyncio.run(memory_bench.run(products, villagers, 40 if quick else 200, None))
    label = f"bot peak RSS, {products:,} products, {villagers:,} villagers"
    target = f"<= {memory_bench.TARGET_MB:g} MB"
    return [
        Row(
            label,
            f"{result.peak_mb:.1f} MB",
            target,
            verdict(result.peak_mb <= memory_bench.TARGET_MB),
        )
    ]


def run_script(script: str, args: list[str]) -> tuple[int, str]:
    """Run a bench script as its own process; its exit status and output (echoed)."""
    command = [sys.executable, str(BENCH / script), *args]
    print(f"$ {' '.join(command[1:])}", flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    print(output, flush=True)
    return done.returncode, output


def broadcast_rows(quick: bool) -> list[Row]:
    """Broadcast rate against the configured rate (bench/broadcast_bench.py)."""
    args = ["--rate", "100", "--villagers", "300"] if quick else []
    status, output = run_script("broadcast_bench.py", args)
    found = re.search(r"achieved rate ([\d.]+)/s, ratio to R ([\d.]+)", output)
    if not found:
        return [
            Row("broadcast rate / configured rate", f"no result (exit {status})", ">= 0.9", "FAIL")
        ]
    limited = re.search(r"429 answers (\d+), villagers with a duplicate (\d+)", output)
    rows = [
        Row("broadcast rate / configured rate", f"{float(found[2]):.3f} ({found[1]}/s)", ">= 0.9",
            verdict(status == 0)),
    ]  # fmt: skip
    if limited:
        rows.append(Row("broadcast 429s + duplicates", f"{limited[1]} + {limited[2]}", "0 + 0",
                        verdict(limited[1] == limited[2] == "0")))  # fmt: skip
    return rows


def e2e_rows(quick: bool) -> list[Row]:
    """The end-to-end bench (bench/e2e_bench.py), when present; its own output is echoed."""
    if not (BENCH / "e2e_bench.py").is_file():
        return [Row("end-to-end bench", "bench/e2e_bench.py not present", result="skipped")]
    status, out = run_script("e2e_bench.py", ["--villagers", "10", "--no-profile"] if quick else [])
    rows = [
        Row(
            f"e2e updates/s ratio to echo bot, {villagers} villagers",
            f"{ratio} (CPU ratio {cpu})",
            f">= {target}",
            verdict(float(ratio) >= float(target)),
        )
        for villagers, ratio, target, cpu in E2E_RATIO.findall(out)
    ]
    errors = E2E_ERRORS.search(out)
    if errors:
        api, logged = errors.groups()
        rows.append(Row("e2e Bot API 4xx + errors logged", f"{api} + {logged}", "-", "info"))
    return rows or [Row("end-to-end bench", f"exit status {status}", "exit 0", verdict(False))]


E2E_RATIO = re.compile(
    r"(\d+) villagers: throughput ratio ([\d.]+) \(target >= ([\d.]+)\).*?"
    r"CPU a update ratio ([\d.]+)"
)
E2E_ERRORS = re.compile(r"Bot API errors \(4xx\) (\d+), errors in the bots' logs (\d+)")


RUNNERS: dict[str, Callable[[bool], list[Row]]] = {
    "search": search_rows,
    "quality": quality_rows,
    "orders": orders_rows,
    "memory": memory_rows,
    "broadcast": broadcast_rows,
    "e2e": e2e_rows,
}


def print_table(rows: list[Row]) -> None:
    """The summary table, aligned."""
    header = Row("metric", "value", "target", "result")
    widths = [
        max(len(getattr(r, f)) for r in [header, *rows]) for f in ("metric", "value", "target")
    ]
    for row in [header, *rows]:
        metric, value, target = row.metric, row.value, row.target
        print(f"{metric:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {row.result}")


def main() -> int:
    """Run the chosen benches, then print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it runs")
    parser.add_argument("--only", nargs="*", choices=BENCHES, default=list(BENCHES))
    args = parser.parse_args()
    print(f"cpus={os.cpu_count()} load average={os.getloadavg()[0]:.2f}", flush=True)
    rows: list[Row] = []
    for name in args.only:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            rows += RUNNERS[name](args.quick)
        except Exception as exc:  # one broken bench must not hide the others' figures
            rows.append(
                Row(f"{name} bench", f"crashed: {type(exc).__name__}: {exc}", result="FAIL")
            )
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    print()
    if args.quick:
        print("QUICK MODE: small sizes; the targets are for the full sizes.")
    print_table(rows)
    return 1 if any(row.result == "FAIL" for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
