"""Quality of near-duplicate detection (查重): precision and recall per edit strength.

Labelled pairs, built deterministically:
- positives: a source text and an edited copy — passages of the seed documents
  (../shared/seeds/), the demo upstream snapshot (content/upstream/) and demo item bodies,
  edited by sentence deletion, insertion of unrelated sentences, sentence reordering, added
  来源/编辑 lines, punctuation and full/half-width changes and character substitutions, at
  three strengths (light, moderate, heavy);
- negatives: different texts on the same theme — passages of the different 政务信息报送
  notices of seed 003 (different cities), demo items of the same topic, upstream entries
  of the same source.

Prints the exact-Jaccard grid (shingle size × threshold) that the defaults in
site_config/upstream.yaml come from, then precision/recall per strength and per edit kind
for the configured defaults through the real path (MinHash + LSH candidates, MinHash
estimate screen, exact confirmation).  Usage: ``.venv/bin/python bench/dedup_quality.py [--config site_config]``
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import dedup, load, upstream  # noqa: E402
from pipeline.config import load_config  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
SENTENCE = re.compile(r"(?<=[。！？；!?;])")
HALF_TO_FULL = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%"}
PUNCT_SWAP = {"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")", "“": '"', "”": '"', "、": ","}
STRENGTHS = {
    # fraction of sentences deleted, fraction inserted, reorder swaps (None = shuffle all), char substitution rate
    "light": dict(delete=0.08, insert=0.0, swaps=0, subst=0.0),
    "moderate": dict(delete=0.2, insert=0.1, swaps=2, subst=0.02),
    "heavy": dict(delete=0.35, insert=0.25, swaps=None, subst=0.05),
}


def passages(text: str, low: int = 250, high: int = 900) -> list[str]:
    """Consecutive paragraphs joined into passages of ``low``–``high`` characters."""
    out, cur = [], ""
    for para in (p.strip() for p in text.splitlines()):
        if not para or para.startswith("!["):
            continue
        cur = f"{cur}\n{para}" if cur else para
        if len(cur) >= low:
            out.append(cur[:high])
            cur = ""
    return out


def seed_documents() -> list[tuple[str, str]]:
    """(document id, text) of every seed; seed 003 split into its separate notices."""
    docs = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if not path.name.startswith("003"):
            docs.append((path.name[:3], text))
            continue
        lines = text.splitlines()
        starts = [
            i for i in range(len(lines) - 1) if lines[i].strip() and not lines[i + 1].strip() and len(lines[i]) < 120
        ]
        starts = starts or [0]
        for n, (a, b) in enumerate(zip(starts, starts[1:] + [len(lines)])):
            docs.append((f"003-{n:02d}", "\n".join(lines[a:b])))
    return docs


def demo_texts():
    config = load_config(ROOT / "site_config")
    items = load.load_items(ROOT / "content", config).items
    store = upstream.Store(":memory:")
    upstream.ingest(store, config, local_only=True)
    entries = store.db.execute("SELECT source, title, text FROM entries").fetchall()
    return config, items, entries


def split_sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.split(text.replace("\n", "")) if s.strip()]


def edit(text: str, kind: str, strength: dict, rng: random.Random, filler: list[str]) -> str:
    sents = split_sentences(text)
    if kind in ("delete", "all") and len(sents) > 2:
        drop = max(1, round(len(sents) * strength["delete"])) if strength["delete"] else 0
        for _ in range(min(drop, len(sents) - 2)):
            sents.pop(rng.randrange(len(sents)))
    if kind in ("insert", "all") and strength["insert"]:
        for _ in range(max(1, round(len(sents) * strength["insert"]))):
            sents.insert(rng.randrange(len(sents) + 1), rng.choice(filler))
    if kind in ("reorder", "all") and len(sents) > 1:
        if strength["swaps"] is None:
            rng.shuffle(sents)
        else:
            for _ in range(max(1, strength["swaps"])):
                i, j = rng.randrange(len(sents)), rng.randrange(len(sents))
                sents[i], sents[j] = sents[j], sents[i]
    out = "".join(sents)
    if kind in ("subst", "all") and strength["subst"]:
        chars = list(out)
        for _ in range(max(1, round(len(chars) * strength["subst"]))):
            chars[rng.randrange(len(chars))] = chr(rng.randrange(0x4E00, 0x9FA5))
        out = "".join(chars)
    if kind in ("punct", "all"):
        out = "".join(HALF_TO_FULL.get(c, c) if rng.random() < 0.7 else c for c in out)
        out = "".join(PUNCT_SWAP.get(c, c) if rng.random() < 0.5 else c for c in out)
        out = out.replace("。", "。\n\n", 3)
    if kind in ("source", "all"):
        out = (
            f"来源：{rng.choice(['商务部网站', '湘江省商务厅', '江临日报'])}\n{out}\n责任编辑："
            f"{rng.choice(['张三', '李华'])}\n（审核：王五）"
        )
    return out


EDIT_KINDS = ("delete", "insert", "reorder", "subst", "punct", "source", "all")


def build_pairs(rng: random.Random):
    config, items, entries = demo_texts()
    docs = seed_documents()
    seed_passages = [(doc, p) for doc, text in docs for p in passages(text)]
    bases = (
        [p for _, p in seed_passages]
        + [f"{t}\n{x}" for _, t, x in entries]
        + [f"{i.title}\n{i.body}" for i in items if len(i.body) > 200][:60]
    )
    filler = [s for _, p in seed_passages for s in split_sentences(p)[:2]]
    positives = []  # (strength, kind, a, b)
    for strength_name, strength in STRENGTHS.items():
        for base in bases:
            for kind in EDIT_KINDS:
                positives.append((strength_name, kind, base, edit(base, kind, strength, rng, filler)))
    negatives = []
    notices = [(doc, p) for doc, p in seed_passages if doc.startswith("003")]
    for (d1, p1), (d2, p2) in itertools.combinations(notices, 2):
        if d1 != d2:
            negatives.append(("seed003", p1, p2))
    by_topic: dict[str, list] = {}
    for i in items:
        by_topic.setdefault(i.topic or i.column, []).append(f"{i.title}\n{i.body}")

    def literal_copy(a: str, b: str) -> bool:  # demo items that deliberately repeat another (same news, two sub-sites)
        return a.split("\n", 1)[-1].strip()[:60] in b or b.split("\n", 1)[-1].strip()[:60] in a

    for texts in by_topic.values():
        negatives.extend(("demo-topic", a, b) for a, b in itertools.combinations(texts, 2) if not literal_copy(a, b))
    by_source: dict[str, list] = {}
    for source, title, text in entries:
        by_source.setdefault(source, []).append(f"{title}\n{text}")
    for texts in by_source.values():
        negatives.extend(("upstream-source", a, b) for a, b in itertools.combinations(texts, 2))
    return config, positives, negatives


def prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=str(ROOT / "site_config"))
    args = parser.parse_args()
    rng = random.Random(20261128)
    config, positives, negatives = build_pairs(rng)
    settings = load_config(args.config).upstream
    kinds = ", ".join(
        f"{k} {sum(1 for n in negatives if n[0] == k)}" for k in ("seed003", "demo-topic", "upstream-source")
    )
    print(
        f"labelled pairs: {len(positives)} positive ({len(positives) // 3} per strength), {len(negatives)} negative "
        f"({kinds})"
    )

    # 1. exact Jaccard grid: shingle size × threshold, precision / recall on moderate edits
    print("\nexact Jaccard, moderate edits (precision / recall) and the highest negative similarity:")
    thresholds = (0.3, 0.4, 0.5, 0.6, 0.7)
    print("  k  " + "  ".join(f"t={t:<11}" for t in thresholds) + "  max neg   light R@t  heavy R@t (at t=0.5)")
    for k in (2, 3, 4, 5):
        sh = {}

        def s(text, k=k, sh=sh):
            if text not in sh:
                sh[text] = dedup.shingles(dedup.normalize(text), k)
            return sh[text]

        pos_sim = {
            name: np.array([dedup.jaccard(s(a), s(b)) for st, _, a, b in positives if st == name]) for name in STRENGTHS
        }
        neg_sim = np.array([dedup.jaccard(s(a), s(b)) for _, a, b in negatives])
        cells = []
        for t in thresholds:
            tp = int((pos_sim["moderate"] >= t).sum())
            fp = int((neg_sim >= t).sum())
            p, r = prf(tp, fp, len(pos_sim["moderate"]) - tp)
            cells.append(f"{p:.3f}/{r:.3f}")
        print(
            f"  {k}  "
            + "  ".join(f"{c:<13}" for c in cells)
            + f"  {neg_sim.max():.3f}     {(pos_sim['light'] >= 0.5).mean():.3f}      "
            f"{(pos_sim['heavy'] >= 0.5).mean():.3f}"
        )

    # 2. the configured defaults through the real path: LSH candidates, estimate screen, exact check
    print(
        f"\nconfigured: shingle={settings.shingle} threshold={settings.threshold} num_perm={settings.num_perm} "
        f"lsh_threshold={settings.lsh_threshold} (bands×rows="
        f"{dedup.lsh_params(settings.lsh_threshold, settings.num_perm)})"
    )
    t0 = time.perf_counter()
    hasher = dedup.MinHasher(settings.num_perm, settings.seed)
    bands, rows = dedup.lsh_params(settings.lsh_threshold, settings.num_perm)

    def detected(pairs) -> np.ndarray:
        a_prints = dedup.fingerprint_texts([p[0] for p in pairs], settings.shingle, hasher)
        b_prints = dedup.fingerprint_texts([p[1] for p in pairs], settings.shingle, hasher)
        hits = []
        for fa, fb in zip(a_prints, b_prints):
            index = dedup.LSHIndex(fa.signature[None, :], bands, rows)
            cand = dedup.screen(
                fa.signature[None, :], fb.signature[None, :], index, settings.threshold - dedup.ESTIMATE_MARGIN
            )[0]
            hits.append(cand.size > 0 and dedup.jaccard(fa.shingles, fb.shingles) >= settings.threshold)
        return np.array(hits)

    neg_hits = detected([(a, b) for _, a, b in negatives])
    fp = int(neg_hits.sum())
    print(f"  negatives flagged: {fp} of {len(negatives)}")
    print("  strength   precision  recall   recall per edit kind (" + ", ".join(EDIT_KINDS) + ")")
    for name in STRENGTHS:
        sel = [(a, b, kind) for st, kind, a, b in positives if st == name]
        hits = detected([(a, b) for a, b, _ in sel])
        tp = int(hits.sum())
        p, r = prf(tp, fp, len(sel) - tp)
        per_kind = "  ".join(
            f"{np.mean([h for h, (_, _, kd) in zip(hits, sel) if kd == kind]):.3f}" for kind in EDIT_KINDS
        )
        print(f"  {name:<9}  {p:.4f}     {r:.4f}   {per_kind}")
    print(f"  ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
