"""Cost of the output audit (上线前终审, pipeline/audit.py): build time with and without it.

For each N (default 1,000 and 10,000) it generates N synthetic items (bench/gen_items.py: ~1 %
withheld, so there are withheld items' strings to look for), then builds them twice, each in a
fresh child process with its own empty work folder: once with no publish checks, once with the
build's own checks (the audit).  It prints both totals, the audit's share (the difference of the
"checks and manifest" stage, which holds the audit), the files it read and its peak memory.

    .venv/bin/python bench/audit_speed.py                 # 1k, 10k
    .venv/bin/python bench/audit_speed.py --sizes 2000
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def child(content: Path, out: Path, work: Path, with_audit: bool) -> None:
    """One build in its own process; prints its timings as JSON."""
    from pipeline import audit
    from pipeline import build as build_mod
    from pipeline.config import load_config

    config = load_config(ROOT / "site_config")
    options = build_mod.BuildOptions(content=content, out=out, work=work, mkdocs_file=ROOT / "mkdocs.yml")
    reports = []
    checks = ()
    if with_audit:

        def check(site, pub, cfg):  # the build's own check, keeping its report for the figures
            report = audit.run_audit(site, pub, cfg)
            reports.append(report)
            return audit.findings_of(report)

        checks = (check,)
    result = build_mod.build(options, config, checks=checks)
    t = dict(result.timings)
    t["published"] = len(result.publication.published)
    t["withheld"] = len(result.publication.withheld)
    if reports:
        t["audit"] = reports[0].seconds
        t["audit_files"] = reports[0].files
        t["audit_needles"] = reports[0].needles
        t["audit_hits"] = len(reports[0].hits)
    t["rss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(t))


def run_child(content: Path, scratch: Path, with_audit: bool) -> dict:
    tag = "audit" if with_audit else "plain"
    out, work = scratch / f"site-{tag}", scratch / f"work-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(content), str(out), str(work), tag],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "CI": "true"},
    )
    if done.returncode != 0:
        sys.exit(f"构建失败：\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        content, out, work, tag = args.child
        child(Path(content), Path(out), Path(work), tag == "audit")
        return
    import gen_items

    rows = []
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        scratch = Path(tmp)
        for n in args.sizes:
            content = gen_items.generate(n, scratch / f"content-{n}")
            plain = run_child(content, scratch, False)
            audited = run_child(content, scratch, True)
            rows.append((n, plain, audited))
            print(
                f"N={n}: 不含终审 {plain['total']:.1f} s，含终审 {audited['total']:.1f} s，"
                f"终审 {audited['audit']:.1f} s",
                flush=True,
            )
    print()
    print("| | " + " | ".join(f"N = {n:,}" for n, _, _ in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    lines = [
        ("published / withheld items", lambda p, a: f"{a['published']:,} / {a['withheld']}"),
        ("build without the audit, s", lambda p, a: f"{p['total']:.1f}"),
        ("build with the audit, s", lambda p, a: f"{a['total']:.1f}"),
        ("audit (inside the build), s", lambda p, a: f"{a['audit']:.1f}"),
        ("**audit / build without it**", lambda p, a: f"**{a['audit'] / p['total'] * 100:.1f} %**"),
        ("files read / withheld strings", lambda p, a: f"{a['audit_files']:,} / {a['audit_needles']}"),
        ("peak RSS of the build, MB (without / with)", lambda p, a: f"{p['rss_self_mb']:.0f} / {a['rss_self_mb']:.0f}"),
    ]
    for label, cell in lines:
        print(f"| {label} | " + " | ".join(cell(p, a) for _, p, a in rows) + " |")


if __name__ == "__main__":
    main()
