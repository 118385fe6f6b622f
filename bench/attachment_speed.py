"""What the attachment check costs: a cold build with a share of items linking attachments.

Generates N synthetic items (bench/gen_items.py) twice — once plain, once with ``--share`` of
them linking one attachment each (csv 40 %, docx 25 %, xlsx 20 %, pdf 15 %, every file
different, so nothing is served from the verdict cache on the cold run) — and measures, each in
a fresh process with an empty cache: the pipeline (publication.run, which includes the
attachment stage), the attachment stage alone, a warm rerun (verdicts from
``<work>/cache/attachments.json``), and with ``--full`` the whole build (docs tree, mkdocs,
Pagefind).

    python bench/attachment_speed.py 10000 --share 0.2 [--full]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import gen_items  # noqa: E402
from attachment_fixtures import csv_bytes, docx_bytes, pdf_bytes, xlsx_bytes  # noqa: E402

KINDS = [("csv", 0.40), ("docx", 0.25), ("xlsx", 0.20), ("pdf", 0.15)]


def attachment(kind: str, n: int, rnd: random.Random) -> bytes:
    rows = [[f"江临外贸企业{n}-{r}", f"{rnd.randint(1, 999)}.{rnd.randint(0, 9)}万元", "滨江大道"] for r in range(50)]
    if kind == "csv":
        return csv_bytes([["企业", "金额", "地址"]] + rows)
    if kind == "docx":
        return docx_bytes(
            "关于开展外贸企业调研的通知（第%d期）" % n + "各有关单位：请按要求报送材料。" * 20, table=rows[0][0]
        )
    if kind == "xlsx":
        return xlsx_bytes(f"江临外贸企业名录 第{n}期")
    return pdf_bytes(f"江临市商务局通知 2026 第{n}期")


def add_attachments(content: Path, share: float, seed: int = 11) -> int:
    rnd = random.Random(seed)
    files = sorted((content / "items").rglob("*.md"))
    chosen = rnd.sample(files, int(len(files) * share))
    for n, item in enumerate(chosen):
        kind = rnd.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        year = re.search(r"/(\d{4})/", item.as_posix()).group(1)
        rel = f"files/{year}/att-{n:06d}.{kind}"
        target = content / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(attachment(kind, n, rnd))
        text = item.read_text(encoding="utf-8")
        link = f"[附件{n}](../../../{rel})" if n % 2 else f'<a href="/{rel}">附件{n}</a>'
        item.write_text(text.rstrip("\n") + f"\n\n附件：{link}\n", encoding="utf-8")
    return len(chosen)


def child(content: Path, work: Path, full: bool) -> None:
    from pipeline import attachments, publication
    from pipeline.config import load_config

    config = load_config(ROOT / "site_config")
    spent = {"attach": 0.0, "attach_cpu": 0.0}
    original = attachments.attach

    def cpu() -> float:  # this process and its (forked, reaped) workers: independent of other load
        return sum(
            getattr(resource.getrusage(who), f)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for f in ("ru_utime", "ru_stime")
        )

    def timed(*args, **kwargs):
        t, c = time.perf_counter(), cpu()
        try:
            return original(*args, **kwargs)
        finally:
            spent["attach"] += time.perf_counter() - t
            spent["attach_cpu"] += cpu() - c

    attachments.attach = timed
    out: dict = {}
    if full:
        from pipeline import build as build_mod

        options = build_mod.BuildOptions(content=content, out=work / "site", work=work, mkdocs_file=ROOT / "mkdocs.yml")
        result = build_mod.build(options, config)
        out.update(result.timings)
        pub = result.publication
    else:
        t = time.perf_counter()
        pub = publication.run(content, config, cache_dir=work / "cache")
        out["pipeline"] = time.perf_counter() - t
    out["attach_cold"] = spent["attach"]
    out["attach_cold_cpu"] = spent["attach_cpu"]
    spent["attach"] = spent["attach_cpu"] = 0.0
    t = time.perf_counter()
    publication.run(content, config, cache_dir=work / "cache")
    out["pipeline_warm"] = time.perf_counter() - t
    out["attach_warm"] = spent["attach"]
    out["attach_warm_cpu"] = spent["attach_cpu"]
    out["published"] = len(pub.published)
    out["attached"] = len(pub.attached)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def run(content: Path, work: Path, full: bool) -> dict:
    if work.exists():
        shutil.rmtree(work)
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(content), str(work)] + (["--full"] if full else []),
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        sys.exit(f"失败：\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10000)
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--full", action="store_true", help="whole builds (mkdocs, Pagefind), not only the pipeline")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/portal-attachment-bench"))
    parser.add_argument("--child", nargs=2, type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.full)
        return
    plain = gen_items.generate(args.n, args.scratch / "plain")
    linked = gen_items.generate(args.n, args.scratch / "linked")
    t = time.perf_counter()
    count = add_attachments(linked, args.share)
    print(f"{args.n:,} items, {count:,} linking an attachment (generated in {time.perf_counter() - t:.1f} s)")
    base = run(plain, args.scratch / "work-plain", args.full)
    with_att = run(linked, args.scratch / "work-linked", args.full)
    key = "total" if args.full else "pipeline"
    print(f"{'':28} {'no attachments':>15} {'with attachments':>17}")
    for label, k in (
        (f"cold {key}, s", key),
        ("  of it the attachment stage, s", "attach_cold"),
        ("    its CPU time, s", "attach_cold_cpu"),
        ("warm pipeline, s", "pipeline_warm"),
        ("  of it the attachment stage, s", "attach_warm"),
        ("    its CPU time, s", "attach_warm_cpu"),
        ("published items", "published"),
        ("files copied", "attached"),
        ("peak RSS, MB", "rss_mb"),
    ):
        print(f"{label:28} {base.get(k, 0):>15.1f} {with_att.get(k, 0):>17.1f}")
    if args.full:
        for k in ("pipeline", "docs_tree", "mkdocs", "pagefind"):
            print(f"  {k:26} {base.get(k, 0):>15.1f} {with_att.get(k, 0):>17.1f}")
    print(
        f"cold cost of attachments: {with_att[key] - base[key]:+.1f} s ({(with_att[key] / base[key] - 1) * 100:+.0f} %)"
    )


if __name__ == "__main__":
    main()
