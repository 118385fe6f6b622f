"""Where a cold ``portal build`` spends CPU, phase by phase, beside bare ``mkdocs build`` + Pagefind (issue 15).

Wall-clock seconds on a shared 2-core machine say more about the other jobs than about the build;
CPU-seconds (user + system, this process and its children: the render workers, Pagefind) do not.
Runs, on one content folder (``--content``, or N generated items): a cold ``portal build`` (empty
work and output folders) recording CPU and wall seconds at every stage boundary (the output audit
and the manifest separately), then bare ``mkdocs build`` of the generated docs tree and config and
Pagefind over its output, as bench/incremental_speed.py runs them.  The lower bound of the cold build
on C cores is printed too: every phase's CPU spread perfectly over C cores (Pagefind already uses
them), against the bare baseline's wall time.

    .venv/bin/python bench/cold_cpu.py --content /tmp/bench/content     # reuse a generated tree
    .venv/bin/python bench/cold_cpu.py --n 10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def child(content: Path, base: Path) -> None:
    """One cold build in this (fresh) process; prints {phase: [cpu s, wall s]} as JSON."""
    from pipeline import audit
    from pipeline import build as build_mod
    from pipeline.config import load_config

    marks: list[tuple[str, float, float]] = [("start", cpu(), time.perf_counter())]

    def progress(stage: str, done: int, total: int) -> None:
        if marks[-1][0] != stage:
            marks.append((stage, cpu(), time.perf_counter()))

    def audited(site, pub, config):
        marks.append(("audit", cpu(), time.perf_counter()))
        found = tuple(audit.publish_check(site, pub, config))
        marks.append(("manifest+swap", cpu(), time.perf_counter()))
        return found

    audited.__qualname__ = "上线前终审"
    options = build_mod.BuildOptions(
        content=content, out=base / "site", work=base / "work", mkdocs_file=ROOT / "mkdocs.yml", progress=progress
    )
    result = build_mod.build(options, load_config(ROOT / "site_config"), checks=(audited,))
    marks.append(("end", cpu(), time.perf_counter()))
    phases = {}
    for (name, c0, w0), (_next, c1, w1) in zip(marks, marks[1:]):
        if name == "start":
            name = "config+imports"
        phases[name] = [c1 - c0, w1 - w0]
    print(json.dumps({"phases": phases, "published": len(result.publication.published), "timings": result.timings}))


def bare(base: Path, published) -> dict:
    from pipeline import search_index

    site = base / "bare-site"
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S", sys.executable, "-m", "mkdocs", "build", "-q"]
        + ["-f", str(base / "work" / "mkdocs.yml"), "-d", str(site)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    mkdocs_wall = time.perf_counter() - started
    user, system = (float(x) for x in done.stderr.strip().splitlines()[-1].split())
    before = cpu()
    started = time.perf_counter()
    search_index.index_site(site, published)
    pagefind_wall = time.perf_counter() - started
    pagefind_cpu = cpu() - before
    shutil.rmtree(site, ignore_errors=True)
    return {"mkdocs": [user + system, mkdocs_wall], "pagefind": [pagefind_cpu, pagefind_wall]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--content", type=Path)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/portal-bench"))
    args = parser.parse_args()
    base = args.scratch / "cold-cpu"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    content = args.content
    if content is None:
        from gen_items import generate

        content = generate(args.n, base / "content")
    cores = os.cpu_count() or 1
    print(f"{cores} cores; load at start: {uptime()}")
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(content), str(base)], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    ours = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"after the cold build: {uptime()}")
    from pipeline import publication
    from pipeline.config import load_config

    pub = publication.run(content, load_config(ROOT / "site_config"), cache_dir=base / "work" / "cache")
    baseline = bare(base, pub.published)
    print(f"after bare mkdocs + Pagefind: {uptime()}")
    print(f"N = {ours['published']:,} published items")
    print("| phase | CPU s | wall s (loaded machine) |")
    print("|---|---:|---:|")
    for name, (c, w) in ours["phases"].items():
        print(f"| portal build: {name} | {c:.1f} | {w:.1f} |")
    total_cpu = sum(c for c, _ in ours["phases"].values())
    total_wall = sum(w for _, w in ours["phases"].values())
    print(f"| **portal build, total** | {total_cpu:.1f} | {total_wall:.1f} |")
    for name, (c, w) in baseline.items():
        print(f"| bare {name} | {c:.1f} | {w:.1f} |")
    bare_cpu = sum(c for c, _ in baseline.values())
    print(f"| **bare mkdocs + Pagefind, total** | {bare_cpu:.1f} | {sum(w for _, w in baseline.values()):.1f} |")
    # lower bounds on an otherwise idle machine: bare mkdocs is one process (wall ≈ its CPU); Pagefind
    # already runs on every core (wall ≈ its CPU / cores); ours at best spreads every phase over the cores
    bare_wall_idle = baseline["mkdocs"][0] + baseline["pagefind"][0] / cores
    ours_best = total_cpu / cores
    print(
        f"idle-machine estimate: bare = mkdocs CPU + Pagefind CPU / {cores} = {bare_wall_idle:.1f} s; portal build at "
        f"best = all its CPU / {cores} = {ours_best:.1f} s → ratio ≥ {ours_best / bare_wall_idle:.2f} (target 0.7)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
