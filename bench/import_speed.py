"""Speed of ``portal import`` on a month of 报送: N Word documents in one folder.

Builds N .docx files with python-docx (the test fixtures' 公文 shape: 红头, 文号, centred
title, body of ~1,000 characters, a table, an image in every fifth, 附件说明 with a file
beside the document, 落款, 信息员 line), copies the demo content, then runs the real command
``python -m pipeline import FOLDER --site donghu --column local`` in a subprocess — reading,
converting, writing and the full ``portal check`` of the content — and prints documents per
second; also the reading and conversion alone (in process).
Wall-clock figures depend on what else the machine runs, so CPU seconds (user + system, all
processes) are printed beside them.
Usage: ``.venv/bin/python bench/import_speed.py [N]`` (default 100; the target is < 10 s).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import docx_fixtures as fx  # noqa: E402

from pipeline.config import load_config  # noqa: E402
from pipeline.word_import import Options, plan  # noqa: E402


def make_documents(folder: Path, n: int) -> None:
    for i in range(n):
        extra = [
            (
                "table",
                [["指标", "金额（亿元）", "增长"], ["进出口", f"{10 + i % 7}.5", "8.6%"], ["出口", "7.1", "9.2%"]],
            )
        ]
        if i % 5 == 0:
            extra.append(("image", fx.png(16, 16, seed=i)))
        extra += [fx.BODY] * 3
        fx.notice(
            folder / f"{i:03d}-东湖区信息.docx",
            title=f"东湖区商务工作动态（第{i + 1}期）",
            unit="东湖区商务局",
            date_line=f"2026年{1 + i % 12}月{1 + i % 28}日",
            attachments=("1. 重点企业名单",) if i % 4 == 0 else (),
            extra=extra,
        )
        if i % 4 == 0:
            (folder / f"{i:03d}-东湖区信息-附件1.xlsx").write_bytes(b"PK\x03\x04" + bytes([i % 256]) * 64)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        root = Path(tmp)
        folder = root / "报送"
        folder.mkdir()
        t0 = time.perf_counter()
        make_documents(folder, n)
        made = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in folder.iterdir())
        print(f"{n} documents built with python-docx in {made:.1f} s ({size / 1e6:.1f} MB)")

        config = load_config(ROOT / "site_config")
        t0, c0 = time.perf_counter(), time.process_time()
        outcomes = plan([folder], root / "plan-only", config, Options("donghu", "local"), jobs=1)
        read, cpu = time.perf_counter() - t0, time.process_time() - c0
        ok = sum(1 for o in outcomes if o.imported)
        print(
            f"read + convert + plan (one process): {read:.2f} s wall, {cpu:.2f} s CPU,"
            f" {n / read:.1f} docs/s ({ok} items planned)"
        )

        content = root / "content"
        shutil.copytree(ROOT / "content", content)
        t0, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "import",
                str(folder),
                "--content",
                str(content),
                "--site",
                "donghu",
                "--column",
                "local",
                "--db",
                str(root / "upstream.sqlite"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        total, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        written = len(list((content / "items" / "donghu").rglob("*.md")))
        print(
            f"portal import (subprocess: read, convert, write, portal check of {written} donghu items and the rest "
            f"of the demo): {total:.2f} s wall, {cpu:.2f} s CPU on {len(os.sched_getaffinity(0))} cores,"
            f" {n / total:.1f} docs/s, exit {done.returncode}"
        )
        print(done.stderr.strip().splitlines()[0] if done.stderr.strip() else "(no summary)")
        print(f"load average now: {os.getloadavg()[0]:.1f}")
        print("target: 100 documents in < 10 s —", "met" if total * 100 / n < 10 else "NOT met", "(wall clock)")


if __name__ == "__main__":
    main()
