"""Speed and memory of upstream deduplication (查重) at 10k / 100k / 1M fingerprints.

For each N: N synthetic upstream articles (phrases of the seed documents, ~340 characters,
pairwise similarity like real notices) are ingested into a fresh SQLite store through the
real path (:meth:`pipeline.upstream.Store.add`), the corpus is loaded and indexed
(:class:`pipeline.upstream.Corpus`), and 1,000 new items — 500 moderately edited copies of
stored articles, 500 new texts — are checked with :func:`pipeline.dedup.check_upstream`.
Each N runs in its own process so that peak RSS is that N's.  On 10k (and 100k) the same
queries also run through a brute-force exact Jaccard scan and through datasketch
(MinHash + MinHashLSH, ``pip install '.[bench]'``) as references.

Usage: ``.venv/bin/python bench/dedup_speed.py [--sizes 10000 100000 1000000]``
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import dedup, feeds, upstream  # noqa: E402
from pipeline.config import UpstreamConfig, UpstreamSource, load_config  # noqa: E402

QUERIES = 1000
SEEDS = ROOT.parent / "shared" / "seeds"


@dataclass(frozen=True)
class FakeItem:
    path: str
    title: str
    body: str
    original: bool = False
    original_reason: str | None = None
    body_line: int = 1

    def line_of(self, key):
        return None


def phrases() -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return sorted({x for x in re.split(r"[，。、；：,.;:\s“”（）()]+", text) if 4 <= len(x) <= 30})


def synthetic(rng: random.Random, pool: list[str], n: int) -> list[str]:
    return ["，".join(rng.choice(pool) for _ in range(30)) + "。" for _ in range(n)]


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; unlike ru_maxrss it is not inherited
    from the parent across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_settings() -> UpstreamConfig:
    s = load_config(ROOT / "site_config").upstream
    return UpstreamConfig(
        threshold=s.threshold, shingle=s.shingle, num_perm=s.num_perm, lsh_threshold=s.lsh_threshold, seed=s.seed
    )


def run_query(db: Path, queries: Path) -> dict:
    """What ``portal check`` does against a stored corpus, in a fresh process: load the
    fingerprints, build the index, check 1,000 items."""
    settings = bench_settings()
    data = json.loads(queries.read_text(encoding="utf-8"))
    items = [FakeItem(f"q{k}", "", text) for k, text in enumerate(data["texts"])]
    store = upstream.Store(db)
    t0 = time.perf_counter()
    corpus = upstream.Corpus(store, settings)
    out = {"load_index_s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    kept, blocked, _ = dedup.check_upstream(items, corpus, settings)
    out["query_s"] = time.perf_counter() - t0
    flagged = {item.path for item, _ in blocked}
    copies = data["copies"]
    out["copies_found"] = sum(1 for k in range(copies) if f"q{k}" in flagged)
    out["fresh_flagged"] = sum(1 for k in range(copies, len(items)) if f"q{k}" in flagged)
    out["query_peak_rss_mb"] = peak_rss_mb()
    return out


def run_one(n: int, reference: bool) -> dict:
    import dedup_quality

    settings = bench_settings()
    rng = random.Random(n)
    pool = phrases()
    docs = synthetic(rng, pool, n)
    picked = rng.sample(range(n), QUERIES // 2)
    strength = dedup_quality.STRENGTHS["moderate"]
    filler = pool
    copies = [dedup_quality.edit(docs[i], "all", strength, rng, filler) for i in picked]
    fresh = synthetic(rng, pool, QUERIES - len(copies))
    items = [FakeItem(f"q{k}", "", text) for k, text in enumerate(copies + fresh)]
    out: dict = {"n": n}
    with tempfile.TemporaryDirectory() as tmp:
        store = upstream.Store(Path(tmp) / "upstream.sqlite")
        source = UpstreamSource("synthetic", "合成上级信息", "商务部", "file")
        t0 = time.perf_counter()
        for start in range(0, n, 50_000):
            chunk = [
                feeds.Entry(f"https://example.gov.cn/{k}.html", "", None, docs[k])
                for k in range(start, min(n, start + 50_000))
            ]
            store.add(source, chunk, settings)
        out["ingest_s"] = time.perf_counter() - t0
        out["db_mb"] = (Path(tmp) / "upstream.sqlite").stat().st_size / 2**20
        store.close()
        out["ingest_peak_rss_mb"] = peak_rss_mb()  # includes the N synthetic texts held by this script
        queries = Path(tmp) / "queries.json"
        queries.write_text(
            json.dumps({"copies": len(copies), "texts": copies + fresh}, ensure_ascii=False), encoding="utf-8"
        )
        done = subprocess.run(
            [sys.executable, __file__, "--query", str(Path(tmp) / "upstream.sqlite"), str(queries)],
            capture_output=True,
            text=True,
            check=True,
        )
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
    if reference:
        out.update(brute_force(docs, items, settings, picked))
        out.update(datasketch_reference(docs, items, settings))
    return out


def brute_force(docs, items, settings, picked) -> dict:
    """Exact Jaccard of every query against every stored text (Python sets)."""
    t0 = time.perf_counter()
    stored = [set(dedup.shingles(dedup.normalize(d), settings.shingle).tolist()) for d in docs]
    prep = time.perf_counter() - t0
    t0 = time.perf_counter()
    found = 0
    for k, item in enumerate(items):
        q = set(dedup.shingles(dedup.normalize(item.body), settings.shingle).tolist())
        best = max(len(q & s) / (len(q) + len(s) - len(q & s)) for s in stored)
        found += k < len(picked) and best >= settings.threshold
    return {"brute_prepare_s": prep, "brute_query_s": time.perf_counter() - t0, "brute_copies_found": int(found)}


def datasketch_reference(docs, items, settings) -> dict:
    try:
        import xxhash
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return {}

    def minhash(text):
        norm = dedup.normalize(text)
        grams = {norm[i : i + settings.shingle] for i in range(max(1, len(norm) - settings.shingle + 1))}
        m = MinHash(num_perm=settings.num_perm, hashfunc=xxhash.xxh32_intdigest)
        m.update_batch([g.encode("utf-8") for g in grams])
        return m

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm)
    with lsh.insertion_session() as session:
        for k, d in enumerate(docs):
            session.insert(k, minhash(d))
    ingest = time.perf_counter() - t0
    t0 = time.perf_counter()
    candidates = sum(len(lsh.query(minhash(item.body))) for item in items)
    return {
        "datasketch_ingest_s": ingest,
        "datasketch_query_s": time.perf_counter() - t0,
        "datasketch_candidates": candidates,
        "peak_rss_mb_with_datasketch": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--query", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.query:
        print(json.dumps(run_query(*args.query)))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.reference)))
        return
    print(f"{QUERIES} items (500 edited copies, 500 new) against N upstream fingerprints; one process per N")
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--reference"] if n <= 10_000 else [])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            print(f"N={n}: failed\n{done.stderr[-2000:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"N={n:>9,}: ingest {r['ingest_s']:6.1f} s ({r['db_mb']:.0f} MB SQLite,"
            f" peak RSS {r['ingest_peak_rss_mb']:.0f} MB)  |  check 1,000 items in a fresh process: load+index "
            f"{r['load_index_s']:5.2f} s, query {r['query_s']:5.2f} s, peak RSS {r['query_peak_rss_mb']:5.0f} MB  |  "
            f"copies found {r['copies_found']}/500, new flagged {r['fresh_flagged']}/500"
        )
        if "brute_query_s" in r:
            print(
                f"   brute-force exact Jaccard: prepare {r['brute_prepare_s']:.1f} s,"
                f" query {r['brute_query_s']:.1f} s, copies found {r['brute_copies_found']}/500"
            )
        if "datasketch_query_s" in r:
            print(
                f"   datasketch MinHash+MinHashLSH: ingest {r['datasketch_ingest_s']:.1f} s (in memory, no SQLite),"
                f" query {r['datasketch_query_s']:.2f} s (candidates only, {r['datasketch_candidates']} before exact "
                f"check), peak RSS {r['peak_rss_mb_with_datasketch']:.0f} MB"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
