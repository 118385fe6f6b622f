"""portal traffic ingest speed: generated combined logs of a given size, read into a fresh store.

Writes rotated logs the way logrotate leaves them — ``access.log.2.gz`` (a tenth),
``access.log.1`` and ``access.log`` — from tests/traffic_logs.py's realistic mix, then
times ``traffic.ingest`` over them (newest first, to show order does not matter), a
re-ingest (adds nothing), and prints lines/s and peak RSS of this process and of the
workers.  Memory does not grow with the size of the logs: files are streamed line by line,
a plain file is cut into 32 MB pieces, and what is kept per day is counts and the hashes
of that day's distinct visitors.

    python bench/traffic_speed.py [--gb 1.0] [--jobs 2] [--dir /tmp/traffic-bench]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # traffic_logs.py: the tests' log lines

from pipeline import traffic  # noqa: E402
from traffic_logs import CST, realistic  # noqa: E402

LINE_BYTES = 225  # about the average line of the realistic mix


def generate(folder: Path, gigabytes: float) -> tuple[list[Path], int]:
    lines = int(gigabytes * 1e9 / LINE_BYTES)
    parts = [
        ("access.log.2.gz", lines // 10),
        ("access.log.1", lines * 4 // 10),
        ("access.log", lines - lines // 10 - lines * 4 // 10),
    ]
    start = datetime(2025, 1, 1, tzinfo=CST)
    days = max(3, int(gigabytes * 30))
    span = timedelta(days=days) / len(parts)
    paths = []
    for n, (name, count) in enumerate(parts):
        path = folder / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wt", encoding="ascii") as f:
            batch = []
            for text in realistic(count, start + span * n, seed=n, span=span):
                batch.append(text)
                if len(batch) >= 50_000:
                    f.writelines(batch)
                    batch.clear()
            f.writelines(batch)
        paths.append(path)
    return paths, lines


def gz_size(path: Path) -> int:
    n = 0
    with gzip.open(path, "rb") as f:
        while block := f.read(1 << 20):
            n += len(block)
    return n


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/traffic-bench"))
    parser.add_argument("--reuse", action="store_true", help="reuse the logs already generated in --dir (a new store)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.reuse and (args.dir / "access.log").is_file():
        paths = [args.dir / n for n in ("access.log.2.gz", "access.log.1", "access.log")]
        lines = int(args.gb * 1e9 / LINE_BYTES)
        (args.dir / "traffic.sqlite").unlink(missing_ok=True)
    else:
        shutil.rmtree(args.dir, ignore_errors=True)
        args.dir.mkdir(parents=True)
        paths, lines = generate(args.dir, args.gb)
    size = sum(p.stat().st_size for p in paths)
    text = sum(p.stat().st_size if not p.name.endswith(".gz") else gz_size(p) for p in paths)
    print(
        f"generated {lines:,} lines, {text / 1e9:.2f} GB of text ({size / 1e9:.2f} GB on disk) in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    db = args.dir / "traffic.sqlite"
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    report = traffic.ingest(db, list(reversed(paths)), "Asia/Shanghai", args.jobs)
    took = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    read = sum(f.lines for f in report.files)
    print(
        f"ingest ({args.jobs} processes): {read:,} lines in {took:.1f} s = {read / took:,.0f} lines/s,"
        f" {text / 1e6 / took:.0f} MB/s; bad lines {sum(f.bad for f in report.files)}"
    )
    print(
        f"CPU time (this process + workers): {cpu:.1f} s = {read / cpu:,.0f} lines per CPU-second "
        f"(wall time above includes waiting for a core on a shared machine: load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"peak RSS: this process {rss_mb(resource.RUSAGE_SELF):.0f} MB, largest worker "
        f"{rss_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )
    t0 = time.perf_counter()
    again = traffic.ingest(db, paths, "Asia/Shanghai", args.jobs)
    print(
        f"re-ingest: {sum(f.lines for f in again.files)} lines added in {time.perf_counter() - t0:.1f} s "
        f"({'; '.join(f.skipped for f in again.files)})"
    )
    months = traffic.monthly(db)
    print(
        f"store: {sum(m.days for m in months)} days, {sum(m.page_views for m in months):,} page views,"
        f" {sum(m.visitors for m in months):,} visitors (daily sum), {db.stat().st_size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
