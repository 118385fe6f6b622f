"""索引号 are handed out by one run at a time: ``portal number`` (and a build) hold a lock on the
content folder from reading the ledger to writing it, so two runs never give two items the
same next number or drop each other's entries."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from pipeline import numbering

ROOT = Path(__file__).resolve().parents[1]


def _portal_number(content: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "number",
            "--content",
            str(content),
            "--db",
            str(content.parent / "no.sqlite"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_portal_number_waits_for_the_ledger_lock_and_then_numbers(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "index_numbers.yaml").unlink()  # every published item needs a number
    with numbering.ledger_lock(content):
        run = _portal_number(content)
        first = run.stderr.readline()  # printed when it finds the lock taken, before it blocks
        assert "另一个进程正在分配索引号" in first, first
        time.sleep(1)
        assert run.poll() is None  # still waiting while the lock is held
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    ledger = yaml.safe_load((content / "index_numbers.yaml").read_text(encoding="utf-8"))["items"]
    numbers = [entry["number"] for entry in ledger.values()]
    assert len(numbers) > 100 and len(set(numbers)) == len(numbers)


def test_two_runs_at_once_hand_out_each_number_once(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "index_numbers.yaml").unlink()
    runs = [_portal_number(content) for _ in range(2)]
    results = [r.communicate(timeout=600) for r in runs]
    assert all(r.returncode == 0 for r in runs), results
    ledger = yaml.safe_load((content / "index_numbers.yaml").read_text(encoding="utf-8"))["items"]
    numbers = [entry["number"] for entry in ledger.values()]
    assert len(set(numbers)) == len(numbers)
    printed = [line.split("\t")[0] for out, _ in results for line in out.splitlines() if "\t" in line]
    assert len(printed) == len(set(printed)) == len(numbers)  # the second run found them all assigned


def test_no_content_folder_is_reported_not_a_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "number", "--content", str(tmp_path / "missing")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr
