"""Build speed and memory at scale: synthetic items → the whole ``portal build``, stage by stage.

For each N (default 1,000 and 10,000; ``--big`` adds 50,000) it generates N items
(bench/gen_items.py), builds them in a fresh child process and prints, side by side:
pipeline seconds (load → gates → stats), docs-tree generation, mkdocs render, Pagefind,
total, peak RSS (the build process, and Pagefind separately); then a bare ``mkdocs build``
of the same generated docs tree as the baseline, the ratio total / (bare mkdocs +
Pagefind), pipeline items/s, the rebuild after one changed item, and the slope between the
two largest N.  Search transfer for one query is measured from the built files: the
Pagefind entry, wasm, meta and the index chunks and fragments that query loads.

    .venv/bin/python bench/build_speed.py            # 1k, 10k
    .venv/bin/python bench/build_speed.py --big      # + 50k (heavy: ~30 GB disk, long)
    .venv/bin/python bench/build_speed.py --sizes 2000
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
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import pagefind_probe  # noqa: E402  (tests/pagefind_probe.py: loopback server + Node)


def child(content: Path, out: Path, work: Path) -> None:
    """One build, in its own process; prints its timings as JSON."""
    from pipeline import build as build_mod
    from pipeline.config import load_config

    config = load_config(ROOT / "site_config")
    options = build_mod.BuildOptions(content=content, out=out, work=work, mkdocs_file=ROOT / "mkdocs.yml")
    result = build_mod.build(options, config)
    t = dict(result.timings)
    t["published"] = len(result.publication.published)
    t["files"] = result.publication.files
    t["rss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t["rss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(t))


def run_child(content: Path, out: Path, work: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(content), str(out), str(work)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "CI": "true"},
    )
    if done.returncode != 0:
        sys.exit(f"构建失败：\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bare_mkdocs(work: Path, scratch: Path) -> float:
    """``mkdocs build`` of the generated tree and config, nothing else (the baseline)."""
    site = scratch / "bare-site"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs.yml"), "-d", str(site)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(site, ignore_errors=True)
    return elapsed


def search_transfer(site: Path, query: str, scratch: Path) -> dict | None:
    """Bytes a browser downloads for one query (pagefind.js + what it fetches, first 5 results;
    filter chunks not counted: the UI loads them once for the filter panel)."""
    if shutil.which("node") is None:
        return None
    try:
        data = pagefind_probe.transfer(site, query, scratch, filters=False, timeout=120)
    except RuntimeError:
        return None
    sizes = data["sizes"]
    return {
        "query": query,
        "results": data["results"],
        "bytes": sum(sizes.values()),
        "files": sizes,
        "index_chunks": sum(v for k, v in sizes.items() if "/index/" in k),
        "ui": sum((site / "pagefind" / f).stat().st_size for f in ("pagefind-ui.js", "pagefind-ui.css")),
    }


def touch_one_item(content: Path) -> None:
    first = sorted((content / "items").rglob("*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n补充说明：本条信息于今日更新。\n", encoding="utf-8")


def measure(n: int, scratch: Path, query: str) -> dict:
    from gen_items import generate

    base = scratch / f"n{n}"
    if base.exists():
        shutil.rmtree(base)
    content = generate(n, base / "content")
    out, work = base / "site", base / "work"
    row = run_child(content, out, work)
    row["n"] = n
    row["bare_mkdocs"] = bare_mkdocs(work, base)
    row["transfer"] = search_transfer(out, query, base)
    touch_one_item(content)
    again = run_child(content, out, work)
    row["rebuild_pipeline"] = again["pipeline"]
    row["rebuild_total"] = again["total"]
    shutil.rmtree(base, ignore_errors=True)
    return row


def table(rows: list[dict]) -> str:
    def col(label, fn):
        return f"| {label} | " + " | ".join(fn(r) for r in rows) + " |"

    lines = ["| | " + " | ".join(f"N = {r['n']:,}" for r in rows) + " |", "|---|" + "---:|" * len(rows)]
    lines += [
        col("published items", lambda r: f"{r['published']:,}"),
        col("pipeline (load → gates → stats), s", lambda r: f"{r['pipeline']:.1f}"),
        col("docs tree, s", lambda r: f"{r['docs_tree']:.1f}"),
        col("mkdocs render, s", lambda r: f"{r['mkdocs']:.1f}"),
        col("Pagefind, s", lambda r: f"{r['pagefind']:.1f}"),
        col("total, s", lambda r: f"{r['total']:.1f}"),
        col("bare `mkdocs build` of the same tree, s", lambda r: f"{r['bare_mkdocs']:.1f}"),
        col(
            "ratio total / (bare mkdocs + Pagefind)", lambda r: f"{r['total'] / (r['bare_mkdocs'] + r['pagefind']):.2f}"
        ),
        col("pipeline items/s", lambda r: f"{r['files'] / r['pipeline']:,.0f}"),
        col("peak RSS build / Pagefind, MB", lambda r: f"{r['rss_self_mb']:.0f} / {r['rss_children_mb']:.0f}"),
        col(
            "rebuild after 1 changed item: pipeline / total, s",
            lambda r: f"{r['rebuild_pipeline']:.1f} / {r['rebuild_total']:.1f}",
        ),
        col(
            "search transfer, one query (entry+wasm+meta+chunks+5 fragments), KB",
            lambda r: (
                f"{r['transfer']['bytes'] / 1024:.0f} (chunks {r['transfer']['index_chunks'] / 1024:.0f})"
                if r["transfer"]
                else "n/a"
            ),
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--big", action="store_true", help="also 50,000 items (heavy)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/portal-bench"))
    parser.add_argument("--query", default="跨境电商")
    args = parser.parse_args()
    sizes = args.sizes + ([50000] if args.big else [])
    args.scratch.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in sizes:
        print(f"… N = {n:,}", file=sys.stderr, flush=True)
        rows.append(measure(n, args.scratch, args.query))
    print(
        f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()};"
        f" date {date.today()}"
    )
    print(table(rows))
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        per = lambda key: (b[key] - a[key]) / (b["n"] - a["n"]) * 1000  # noqa: E731
        print(
            f"\nslope {a['n']:,} → {b['n']:,} (ms per extra item): total {per('total'):.1f},"
            f" pipeline {per('pipeline'):.1f}, mkdocs {per('mkdocs'):.1f}, Pagefind {per('pagefind'):.1f},"
            f" bare mkdocs {per('bare_mkdocs'):.1f}"
        )
    for r in rows:
        if r["transfer"]:
            print(
                f"N={r['n']}: query “{r['transfer']['query']}” → {r['transfer']['results']} results;"
                f" files: {r['transfer']['files']}; UI (pagefind-ui.js+css, once) {r['transfer']['ui'] / 1024:.0f} KB"
            )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
