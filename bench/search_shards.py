"""Pagefind memory and search transfer, one index vs. sharded, over an already built site.

Indexing is the only stage of ``portal build`` that grows past 2 GB at 50k items: Pagefind
keeps the whole index (and its Chinese segmentation) in memory.  This script takes a site
built with search off (or on — its bundles are replaced), finds the item pages, and for each
shard size indexes it with :func:`pipeline.search_index.index_site` in a fresh child
process, printing peak RSS of the Pagefind runs (the largest shard), time, bundle count, and
the bytes one query downloads (Pagefind's own ``pagefind.js`` under Node, every bundle
merged with ``mergeIndex`` as the search page does: entry + wasm + meta + index and filter
chunks of each bundle + the first five fragments).

    .venv/bin/python bench/search_shards.py /tmp/pf/s10k --shard-pages 1000000 1000 500 250
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline import search_index  # noqa: E402
import pagefind_probe  # noqa: E402  (tests/pagefind_probe.py)

ITEM_PAGE = re.compile(r"^[a-z0-9-]+/\d{4}/[^/]+/index\.html$")


def item_pages(site: Path) -> list:
    """Published items as the planner sees them (URL and date), read back from the built pages."""
    items = []
    for page in sorted(site.glob("*/[0-9][0-9][0-9][0-9]/*/index.html")):
        rel = page.relative_to(site).as_posix()
        if not ITEM_PAGE.match(rel) or b"data-pagefind-body" not in page.read_bytes():
            continue
        url = rel[: -len("index.html")]
        slug = url.rstrip("/").rsplit("/", 1)[1]
        day = (
            date.fromisoformat(slug[:10])
            if re.match(r"\d{4}-\d{2}-\d{2}", slug)
            else date(int(url.split("/")[1]), 1, 1)
        )
        items.append(SimpleNamespace(url=url, date=day))
    return items


def child(site: Path, shard_pages: int) -> None:
    items = item_pages(site)
    started = time.perf_counter()
    index = search_index.index_site(site, items, shard_pages)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "pages": index.pages,
                "bundles": len(index.bundles),
                "items": len(items),
                "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def transfer(site: Path, query: str, scratch: Path) -> dict:
    data = pagefind_probe.transfer(site, query, scratch, filters=True)
    sizes = data["sizes"]
    return {
        "results": data["results"],
        "kb": sum(sizes.values()) / 1024,
        "requests": len(sizes),
        "chunks_kb": sum(v for k, v in sizes.items() if "/index/" in k or "/filter/" in k) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--shard-pages", type=int, nargs="+", default=[1_000_000, 8000])
    parser.add_argument("--query", default="跨境电商")
    args = parser.parse_args()
    print(
        f"| shard size | item pages | bundles | Pagefind s | peak RSS MB | query “{args.query}”: results | transfer "
        "KB (requests) | of which index+filter chunks KB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.shard_pages:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(args.site), str(size)], capture_output=True, text=True, check=True
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        t = transfer(args.site, args.query, Path(tempfile.mkdtemp(prefix="pf-bench-")))
        label = "one index" if row["bundles"] == 1 else f"{size:,}"
        print(
            f"| {label} | {row['items']:,} | {row['bundles']} | {row['seconds']:.1f} | {row['rss_mb']:.0f} | "
            f"{t['results']:,} | {t['kb']:.0f} ({t['requests']}) | {t['chunks_kb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
