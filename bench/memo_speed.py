"""Cold and warm ``publication.run`` (load → gate → dedup → attachments → 索引号) with the
private cache (``<work>/cache``): CPU seconds (and wall seconds) for a run without a cache,
with an empty cache (cold), with a full one (warm), and warm after one edited item — one
child process each.

    .venv/bin/python bench/memo_speed.py [N] [--baseline CHECKOUT] [--repeat 3]

``--baseline``: a checkout of other code (e.g. ``git worktree add /tmp/base main``) timed
on the same generated content, step by step in turn with this one, printed side by side
with the ratio; the best of ``--repeat`` series is shown.  Figures depend on
machine load: ``uptime`` is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    t0, c0 = time.perf_counter(), _cpu()
    pub = publication.run(content, config, upstream_db=None, cache_dir=Path(cache) if cache else None, jobs=jobs)
    took, cpu = time.perf_counter() - t0, _cpu() - c0
    print(json.dumps({"s": took, "cpu": cpu, "published": len(pub.published), "findings": len(pub.findings)}))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the workers): less swayed by
    other processes on a busy machine than the wall clock."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(code: Path, content: Path, cache: Path | None, jobs: int | None) -> dict:
    args = [sys.executable, __file__, "--child", str(code), str(content), str(cache or ""), str(jobs or 0)]
    env = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def series(codes: list[Path], content: Path, work: Path, jobs: int | None) -> list[dict]:
    """Each step for every code in turn (so that a change of machine load hits both alike)."""
    caches = [work / f"cache-{n}" for n in range(len(codes))]
    for cache in caches:
        shutil.rmtree(cache, ignore_errors=True)
    out: list[dict] = [{} for _ in codes]
    for n, code in enumerate(codes):
        out[n]["no cache"] = timed(code, content, None, jobs)
    for step in ("cold", "warm"):
        for n, code in enumerate(codes):
            out[n][step] = timed(code, content, caches[n], jobs)
    edited = sorted((content / "items").rglob("*.md"))[len(STEPS)]
    original = edited.read_text(encoding="utf-8")
    edited.write_text(original.rstrip("\n") + "\n\n本条补充一句说明。\n", encoding="utf-8")
    try:
        for n, code in enumerate(codes):
            out[n]["warm, 1 edit"] = timed(code, content, caches[n], jobs)
    finally:
        edited.write_text(original, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=3000)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--jobs", type=int, default=0, help="processes (0: one per core)")
    parser.add_argument("--repeat", type=int, default=3, help="whole series, the best time of each step is shown")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        code, content, cache, jobs = args.child
        child(Path(code), Path(content), cache, int(jobs) or None)
        return
    import gen_items

    print("load:", os.getloadavg())
    codes = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    runs = []
    with tempfile.TemporaryDirectory(prefix="memo-speed-") as tmp:
        content = gen_items.generate(args.n, Path(tmp) / "content")
        for _ in range(args.repeat):
            runs.append(series(codes, content, Path(tmp), args.jobs or None))
    best = [
        {step: min((r[n][step] for r in runs), key=lambda t: t["cpu"]) for step in STEPS} for n in range(len(codes))
    ]
    this, base = best[0], (best[1] if args.baseline else None)
    print(
        f"{args.n} items, publication.run CPU seconds (wall seconds), best of {args.repeat}"
        + (f" (baseline {args.baseline})" if base else "")
    )
    for step in STEPS:
        line = f"  {step:14} {this[step]['cpu']:7.2f} s ({this[step]['s']:6.2f})"
        if base:
            ratio = this[step]["cpu"] / base[step]["cpu"]
            line += f"   baseline {base[step]['cpu']:7.2f} s ({base[step]['s']:6.2f})   ratio {ratio:.2f}"
            if (this[step]["published"], this[step]["findings"]) != (base[step]["published"], base[step]["findings"]):
                line += "   RESULTS DIFFER"
        print(line)
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
