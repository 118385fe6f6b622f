"""Cold and warm ``publication.run`` (load → gate → dedup → attachments → 索引号) with the
private cache (``<work>/cache``): seconds for a run without a cache, with an empty cache
(cold), with a full one (warm), and warm after one edited item — one child process each.

    .venv/bin/python bench/memo_speed.py [N] [--baseline CHECKOUT]

``--baseline``: a checkout of other code (e.g. ``git worktree add /tmp/base main``) timed
on the same generated content, printed side by side with the ratio.  Figures depend on
machine load: ``uptime`` is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

STEPS = ("no cache", "cold", "warm", "warm, 1 edit")


def child(code: Path, content: Path, cache: str, jobs: int | None) -> None:
    sys.path.insert(0, str(code))
    from pipeline import publication
    from pipeline.config import load_config

    config = load_config(code / "site_config")
    t0 = time.perf_counter()
    pub = publication.run(content, config, upstream_db=None, cache_dir=Path(cache) if cache else None, jobs=jobs)
    took = time.perf_counter() - t0
    print(json.dumps({"s": took, "published": len(pub.published), "findings": len(pub.findings)}))


def timed(code: Path, content: Path, cache: Path | None, jobs: int | None) -> dict:
    args = [sys.executable, __file__, "--child", str(code), str(content), str(cache or ""), str(jobs or 0)]
    env = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def series(code: Path, content: Path, work: Path, jobs: int | None) -> dict:
    cache = work / f"cache-{code.name}"
    shutil.rmtree(cache, ignore_errors=True)
    out = {"no cache": timed(code, content, None, jobs), "cold": timed(code, content, cache, jobs)}
    out["warm"] = timed(code, content, cache, jobs)
    edited = sorted((content / "items").rglob("*.md"))[len(STEPS)]
    original = edited.read_text(encoding="utf-8")
    edited.write_text(original.rstrip("\n") + "\n\n本条补充一句说明。\n", encoding="utf-8")
    try:
        out["warm, 1 edit"] = timed(code, content, cache, jobs)
    finally:
        edited.write_text(original, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=3000)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--jobs", type=int, default=0, help="processes (0: one per core)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        code, content, cache, jobs = args.child
        child(Path(code), Path(content), cache, int(jobs) or None)
        return
    import gen_items

    print("load:", os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="memo-speed-") as tmp:
        content = gen_items.generate(args.n, Path(tmp) / "content")
        this = series(ROOT, content, Path(tmp), args.jobs or None)
        base = series(args.baseline.resolve(), content, Path(tmp), args.jobs or None) if args.baseline else None
    print(f"{args.n} items, publication.run seconds" + (f" (baseline {args.baseline})" if base else ""))
    for step in STEPS:
        line = f"  {step:14} {this[step]['s']:7.2f} s"
        if base:
            ratio = this[step]["s"] / base[step]["s"]
            line += f"   baseline {base[step]['s']:7.2f} s   ratio {ratio:.2f}"
            if (this[step]["published"], this[step]["findings"]) != (base[step]["published"], base[step]["findings"]):
                line += "   RESULTS DIFFER"
        print(line)
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
