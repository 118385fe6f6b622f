"""Near-duplicates at scale: N items written from one template (issue 15 §5).

Monthly statistics items ("1—10月全市社会消费品零售总额…") of every sub-site share one
skeleton and differ in place, period and figures, so LSH puts almost all of them in one
bucket.  Prints the in-portal duplicate detection's time (cold, every core), its groups, and
— for N up to ``--exact`` — recall and precision of the pairs it groups together against
the exact all-pairs Jaccard graph's connected components.

    python bench/dedup_template.py 3000 [--exact 800] [--before] [--realistic 10000]

``--before``: also time the all-pairs candidate comparison it replaced (``portal_edges``).
``--realistic N``: N texts like ``bench/gen_items.py`` writes (few near-duplicates), grouped
both ways; the groups must be the same.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import dedup  # noqa: E402
from pipeline.config import load_config  # noqa: E402

PLACES = ["全市", "东湖区", "南岸县", "清河市", "经开区", "综保区", "高新区", "城北新区", "江临港区", "西山县"]
SUBJECTS = ["社会消费品零售总额", "限额以上批发零售业销售额", "外贸进出口总值", "实际使用外资", "网络零售额"]
TEMPLATE = (
    "{year}年1—{month}月，{place}{subject}完成{a}亿元，同比增长{r1}%，增速比1—{prev}月{dir}{d}个百分点，"
    "高于全省平均水平{g}个百分点。其中，限额以上单位消费品零售额{b}亿元，增长{r2}%。\n\n"
    "分行业看，批发业销售额{c}亿元，增长{r3}%；零售业销售额{e}亿元，增长{r4}%；住宿业营业额{f}亿元，增长{r5}%；"
    "餐饮业营业额{h}亿元，增长{r6}%。分商品类别看，粮油食品类增长{r7}%，汽车类增长{r8}%，石油及制品类下降{r9}%，"
    "家用电器和音像器材类增长{r10}%。\n\n"
    "{month}月份，{place}消费市场总体保持平稳，{extra}下一步，{place}商务部门将继续落实促消费各项政策，"
    "组织开展各类促消费活动，推动消费市场持续回暖。"
)
EXTRAS = [
    "以旧换新政策效应持续释放，",
    "节假日消费带动作用明显，",
    "线上消费保持较快增长，",
    "汽车消费回暖明显，",
    "餐饮消费持续活跃，",
    "县域商业加快发展，",
]


def texts(n: int, seed: int = 3) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        month = rnd.randint(2, 12)
        num = lambda lo, hi: round(rnd.uniform(lo, hi), 1)  # noqa: E731
        out.append(
            f"{rnd.choice(PLACES)}{rnd.choice(SUBJECTS)}运行情况（第{k}期）\n"
            + TEMPLATE.format(
                year=rnd.randint(2017, 2026),
                month=month,
                prev=month - 1,
                place=rnd.choice(PLACES),
                subject=rnd.choice(SUBJECTS),
                a=num(10, 900),
                b=num(5, 400),
                c=num(5, 300),
                e=num(5, 300),
                f=num(1, 40),
                h=num(1, 60),
                d=num(0.1, 3),
                g=num(0.1, 3),
                dir=rnd.choice(["加快", "回落"]),
                extra=rnd.choice(EXTRAS),
                **{f"r{i}": num(-5, 25) for i in range(1, 11)},
            )
        )
    return out


def exact_components(prints, threshold: float) -> list[int]:
    parent = list(range(len(prints)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(prints)):
        for j in range(i + 1, len(prints)):
            if dedup.jaccard(prints[i].shingles, prints[j].shingles) >= threshold:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(prints))]


def same_group_pairs(labels) -> set:
    groups: dict = {}
    for i, g in enumerate(labels):
        groups.setdefault(g, []).append(i)
    return {(a, b) for members in groups.values() for x, a in enumerate(members) for b in members[x + 1 :]}


def components(n: int, edges) -> list[int]:
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in edges:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(n)]


def all_pairs(prints, settings) -> list[int]:
    """The method this replaced: every candidate pair that passes the estimate screen gets the
    exact comparison, then connected components."""
    sigs = np.stack([p.signature for p in prints])
    index = dedup.LSHIndex(sigs, *dedup.lsh_params(settings.lsh_threshold, settings.num_perm))
    minimum = settings.threshold - dedup.ESTIMATE_MARGIN
    edges = []
    for start in range(0, len(prints), 1000):
        stop = min(start + 1000, len(prints))
        for q, rows in enumerate(dedup.screen(sigs, sigs[start:stop], index, minimum, own_from=start)):
            for j in rows.tolist():
                if (sim := dedup.jaccard(prints[start + q].shingles, prints[j].shingles)) >= settings.threshold:
                    edges.append((start + q, j, sim))
    return components(len(prints), edges)


def realistic(n: int) -> list[str]:
    import gen_items

    rnd = random.Random(11)
    gen_items.POOL.extend(gen_items.sentence_pool())
    out = [gen_items.item_text(k, rnd, "bureau", "news", 2026)[1].split("---\n", 2)[2] for k in range(n)]
    # a realistic share of true repeats: 2 % of the texts again, lightly edited (the same news in two sub-sites)
    for k in range(0, n, 50):
        out[k + 1 if k + 1 < n else k] = out[k].replace("。", "；", 2)
    return out


def pipeline_run(docs: list[str]) -> None:
    import tempfile

    from pipeline import publication

    config = load_config(ROOT / "site_config")
    slots = [(s.id, c) for s in config.sites for c in s.columns if c in ("stats", "news")] or [
        (config.sites[0].id, config.sites[0].columns[0])
    ]
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        for k, text in enumerate(docs):
            site, column = slots[k % len(slots)]
            title, body = text.split("\n", 1)
            folder = content / "items" / site / "2026"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"2026-10-{k % 28 + 1:02d}-tpl-{k:05d}.md").write_text(
                f"---\ntitle: {title}\ndate: 2026-10-{k % 28 + 1:02d} 09:00\nsite: {site}\ncolumn: {column}\nauthor: "
                f"统计员\nreviewer: 王建国\n---\n{body}\n",
                encoding="utf-8",
            )
        t0 = time.perf_counter()
        pub = publication.run(content, config, upstream_db=Path(tmp) / "upstream.sqlite")
        took = time.perf_counter() - t0
    print(
        f"whole cold pipeline on {len(docs)} template items: {took:.2f} s ({len(docs) / took:,.0f} items/s), "
        f"{len(pub.published)} published, {len(pub.duplicate_of)} counted once as repeats"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=3000)
    parser.add_argument(
        "--exact", type=int, default=800, help="compare with the exact all-pairs graph up to this many items"
    )
    parser.add_argument(
        "--before", action="store_true", help="also time the all-pairs candidate comparison (portal_edges)"
    )
    parser.add_argument("--realistic", type=int, default=0, help="also group N realistic texts both ways and compare")
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help="also time the whole cold pipeline (load → gate → dedup → 索引号) on N template items",
    )
    args = parser.parse_args()
    settings = load_config(ROOT / "site_config").upstream
    docs = texts(args.n)
    t0 = time.perf_counter()
    prints = dedup.fingerprint_texts(docs, settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed))
    t1 = time.perf_counter()
    labels, _ = dedup.portal_groups(prints, settings)
    t2 = time.perf_counter()
    groups = len(set(labels))
    print(
        f"{args.n} template items: fingerprints {t1 - t0:.2f} s, grouping {t2 - t1:.2f} s "
        f"({args.n / max(t2 - t0, 1e-9):,.0f} items/s), {groups} groups, peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    if args.before:
        t5 = time.perf_counter()
        old = all_pairs(prints, settings)
        t6 = time.perf_counter()
        print(
            f"before (all candidate pairs, 1 process): {t6 - t5:.2f} s, {len(set(old))} groups; "
            f"same groups: {same_group_pairs(old) == same_group_pairs(labels)}"
        )
    if args.realistic:
        sys.path.insert(0, str(ROOT / "bench"))
        docs2 = realistic(args.realistic)
        p2 = dedup.fingerprint_texts(docs2, settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed))
        t7 = time.perf_counter()
        new2, _ = dedup.portal_groups(p2, settings)
        t8 = time.perf_counter()
        old2 = all_pairs(p2, settings)
        t9 = time.perf_counter()
        a, b = same_group_pairs(old2), same_group_pairs(new2)
        print(
            f"{args.realistic} realistic texts: groups {t8 - t7:.2f} s vs all pairs {t9 - t8:.2f} s; "
            f"{len(a)} grouped pairs before, {len(b)} now, {len(a & b)} in both"
        )
    if args.pipeline:
        pipeline_run(docs)
    if args.n <= args.exact:
        t3 = time.perf_counter()
        truth = same_group_pairs(exact_components(prints, settings.threshold))
        found = same_group_pairs(labels)
        t4 = time.perf_counter()
        recall = len(truth & found) / len(truth) if truth else 1.0
        precision = len(truth & found) / len(found) if found else 1.0
        print(
            f"exact all-pairs reference: {t4 - t3:.1f} s; same-group pairs: recall {recall:.4f},"
            f" precision {precision:.4f} ({len(truth)} true pairs)"
        )


if __name__ == "__main__":
    main()
