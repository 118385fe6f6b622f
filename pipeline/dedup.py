"""Near-duplicate detection (查重): fingerprints, an LSH index and groups of near-identical texts.

Text is normalised (NFKC, so full-width letters, digits and punctuation become half-width;
Markdown, URLs, whitespace and punctuation removed; boilerplate lines such as 来源/编辑/
责任编辑/作者/审核 dropped), cut into overlapping character shingles (Chinese has no
spaces), fingerprinted with MinHash (numpy; one-permutation hashing with optimal densification
over a mixed rolling hash) and indexed with banded LSH (sorted band keys + binary search, so a million
fingerprints fit in about 1 GB).  LSH candidates are screened by their MinHash estimate
and every survivor is confirmed with the exact Jaccard similarity of the shingle sets
before it is reported.

The pipeline stage that uses it — upstream reposts withheld, the same news in two sub-sites
counted once — is :mod:`pipeline.dedup_stage`; the upstream store (feeds in SQLite) is
:mod:`pipeline.upstream`.  This module does not read files, feeds or the database.

Why about 520 lines: it is one algorithm (normalise → shingles → MinHash →
LSH → screen → exact Jaccard → groups) whose parts share their numeric conventions (uint32
hashes, sorted unique arrays, the estimate margin) and are tested and benchmarked together."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np


# Lines that name the source, editor, author … of a text: not part of what is said.
BOILERPLATE_LINE = re.compile(
    r"^\s*[（(【\[]?\s*(来源|信息来源|稿件来源|文章来源|编辑|责任编辑|编审|作者|审核|审稿|校对|供稿|撰稿|摄影|通讯员|发布时间|发布日期|浏览次数|字号)\s*[:：]"
)
BOILERPLATE_INLINE = re.compile(
    r"[（(【\[]\s*(来源|信息来源|编辑|责任编辑|作者|审核|供稿|通讯员)\s*[:：][^）)】\]\n]{0,40}[）)】\]]"
)
MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
HTML_TAG = re.compile(r"<[^>\n]{1,200}>")
URL = re.compile(r"(https?|ftp)://\S+")
NOT_WORD = re.compile(r"[\W_]+")  # whitespace, punctuation, symbols: everything but letters and digits

# LSH candidates are first screened by their MinHash estimate (cheap, in memory) at
# ``threshold - ESTIMATE_MARGIN`` — 3.5 standard errors below the threshold with 128
# permutations — and only the survivors get the exact Jaccard check (reads their text).
ESTIMATE_MARGIN = 0.15
_ROLL = np.uint64(0x100000001B3)
# Names how signatures are made: stored signatures (pipeline.upstream) of another scheme are
# recomputed, never compared.
SIGNATURE_SCHEME = "oph1"


# Characters of Chinese prose that NFKC changes (full-width punctuation, ideographic and
# no-break space): replaced first, so the remaining text usually passes NFKC's quick check.
_WIDE = re.compile("[\u00a0\u3000\uff01-\uff5e]")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, several times faster on Chinese prose.  The
    same result: a character replaced by its own NFKC form leaves the text compatibility-
    equivalent, and NFKC gives every equivalent text the same normal form."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for ch in set(_WIDE.findall(text)):
        text = text.replace(ch, unicodedata.normalize("NFKC", ch))
    return unicodedata.normalize("NFKC", text)


def normalize(text: str) -> str:
    """The comparable core of a text: NFKC, no boilerplate lines, no markup, URLs,
    whitespace or punctuation, lower case.  ``（来源：商务部网站）``, a full-width comma or
    an added blank line therefore change nothing."""
    text = nfkc(text or "")
    text = MD_IMAGE.sub("", text)
    text = MD_LINK.sub(r"\1", text)
    text = HTML_TAG.sub("", text)
    text = URL.sub("", text)
    text = BOILERPLATE_INLINE.sub("", text)
    kept = [line for line in text.splitlines() if not BOILERPLATE_LINE.match(line)]
    return NOT_WORD.sub("", "\n".join(kept)).lower()


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the output (uint64, wrapping)."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def shingles(norm: str, size: int) -> np.ndarray:
    """Sorted unique 32-bit hashes of the character ``size``-grams of a normalised text.
    A text shorter than ``size`` is one shingle; an empty text has none."""
    if not norm:
        return np.empty(0, dtype=np.uint32)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    k = min(size, len(cps))
    n = len(cps) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _ROLL + cps[j : j + n]
    return sorted_unique((_mix64(h) >> np.uint64(32)).astype(np.uint32))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for integer arrays by sorting (numpy 2's hash-based ``np.unique`` is
    many times slower on millions of values)."""
    values = np.sort(values)
    if values.size < 2:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _common(a: np.ndarray, b: np.ndarray) -> int:
    """How many values two sorted unique arrays share (binary search of the smaller in the larger)."""
    if a.size > b.size:
        a, b = b, a
    if a.size == 0:
        return 0
    at = np.searchsorted(b, a)
    at[at == b.size] = 0
    return int(np.count_nonzero(b[at] == a))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle sets (sorted unique arrays)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    inter = _common(a, b)
    return inter / (a.size + b.size - inter)


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Share of ``a``'s shingles found in ``b``."""
    if a.size == 0:
        return 0.0
    return _common(a, b) / a.size


class MinHasher:
    """MinHash signatures of ``num_perm`` positions by one-permutation hashing (Li, Owen
    and Zhang 2012) with optimal densification (Shrivastava 2017): the 32-bit shingle
    hashes — already uniform, sorted and unique — are split into ``num_perm`` equal
    ranges by value, each position keeps the smallest hash of its range, and an empty
    position copies a non-empty one chosen by a fixed pseudo-random probe sequence (the
    same for every text, so signatures stay comparable position by position).  One pass
    over the shingles instead of one per permutation; the collision probability per
    position is still the Jaccard similarity (bench/dedup_quality.py checks the targets).
    ``seed`` chooses the probe sequence."""

    PROBES = 64  # probe rounds before the last resort (next non-empty position, circularly)

    def __init__(self, num_perm: int = 128, seed: int = 1):
        self.num_perm = num_perm
        self.seed = seed
        # probe[t, i]: the position an empty position i looks at in round t
        i = np.arange(num_perm, dtype=np.uint64)[None, :]
        t = np.arange(self.PROBES, dtype=np.uint64)[:, None]
        with np.errstate(over="ignore"):
            mixed = _mix64((np.uint64(seed) << np.uint64(40)) ^ (t << np.uint64(20)) ^ i)
        self.probe = (mixed % np.uint64(num_perm)).astype(np.intp)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        return self.signatures([hashes])[0]

    def signatures(self, hash_sets: Sequence[np.ndarray], batch_rows: int = 1_000_000) -> np.ndarray:
        """One signature row per shingle set (uint32, shape (len, num_perm)); empty sets
        get the all-max signature, which matches nothing in the index.  Each set must be
        sorted and unique (what :func:`shingles` returns)."""
        k = self.num_perm
        out = np.full((len(hash_sets), k), np.iinfo(np.uint32).max, dtype=np.uint32)
        filled = np.zeros((len(hash_sets), k), dtype=bool)  # positions some hash fell into
        start = 0
        while start < len(hash_sets):  # batches bound the temporary arrays
            stop, rows = start, 0
            while stop < len(hash_sets) and (rows == 0 or rows + hash_sets[stop].size <= batch_rows):
                rows += hash_sets[stop].size
                stop += 1
            if rows:
                sizes = np.fromiter((h.size for h in hash_sets[start:stop]), dtype=np.intp, count=stop - start)
                flat = np.concatenate([np.asarray(h, dtype=np.uint32) for h in hash_sets[start:stop]])
                owner = np.repeat(np.arange(start, stop, dtype=np.intp), sizes)
                slot = owner * k + ((flat.astype(np.uint64) * np.uint64(k)) >> np.uint64(32)).astype(np.intp)
                # sorted hashes → positions ascend within a set: the first of each run is its minimum
                first = np.ones(flat.size, dtype=bool)
                first[1:] = slot[1:] != slot[:-1]
                out.reshape(-1)[slot[first]] = flat[first]
                filled.reshape(-1)[slot[first]] = True
            start = stop
        self._densify(out, filled)
        return out

    def _densify(self, sig: np.ndarray, original: np.ndarray) -> None:
        """Fill the empty positions of every non-empty row from its original non-empty ones."""
        live = np.nonzero(original.any(axis=1))[0]
        if live.size == 0:
            return
        source = sig[live]
        have = original[live]
        done = have.copy()
        for t in range(self.PROBES):
            rows, cols = np.nonzero(~done)
            if rows.size == 0:
                break
            targets = self.probe[t, cols]
            hit = have[rows, targets]
            rows, cols, targets = rows[hit], cols[hit], targets[hit]
            sig[live[rows], cols] = source[rows, targets]
            done[rows, cols] = True
        for r, c in zip(*np.nonzero(~done)):  # rare (a text of a few characters): next non-empty position
            nxt = next(j % self.num_perm for j in range(c + 1, c + self.num_perm + 1) if have[r, j % self.num_perm])
            sig[live[r], c] = source[r, nxt]


@functools.lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false-positive + false-negative area around
    ``threshold`` (the classic Leskovec–Rajaraman–Ullman banding analysis)."""
    best, best_cost = (1, num_perm), float("inf")
    below = np.linspace(0.0, threshold, 200)
    above = np.linspace(threshold, 1.0, 200)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp = np.trapezoid(1 - (1 - below**rows) ** bands, below)
            fn = np.trapezoid((1 - above**rows) ** bands, above)
            cost = fp_weight * fp + fn_weight * fn
            if cost < best_cost:
                best, best_cost = (bands, rows), cost
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int):
    """Per band, the 64-bit bucket key of every signature (texts in one bucket share a band)."""
    sig = np.atleast_2d(np.asarray(signatures, dtype=np.uint32))
    for band in range(bands):
        acc = np.full(len(sig), np.uint64(((band + 1) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for col in range(band * rows, (band + 1) * rows):
                acc = _mix64(acc ^ sig[:, col].astype(np.uint64))
        yield acc


class LSHIndex:
    """Banded LSH over a signature matrix: per band, sorted 64-bit band keys and the row
    order, queried by binary search.  Rows are positions in the matrix it was built from."""

    def __init__(self, signatures: np.ndarray, bands: int, rows: int):
        self.bands, self.rows = bands, rows
        self.size = len(signatures)
        self.keys: list[np.ndarray] = []
        self.order: list[np.ndarray] = []
        for band_keys in self._band_keys(signatures):
            order = np.argsort(band_keys, kind="stable").astype(np.int32 if self.size < 2**31 else np.int64)
            self.order.append(order)
            self.keys.append(band_keys[order])

    def _band_keys(self, signatures: np.ndarray):
        return band_keys(signatures, self.bands, self.rows)

    def candidates(self, signatures: np.ndarray, own_from: int | None = None, limit: int = 500_000):
        """Yield ``(start, stop, q, rows)`` for runs of consecutive queries: every (query,
        row) pair sharing a band key, once, sorted — ``q`` counted from ``start``.  A run holds
        at most ``limit`` band hits (one query at least), which bounds the memory when many
        texts share phrases.  ``own_from``: the queries are the index's own rows ``own_from``,
        ``own_from + 1`` …; only later rows are returned, so each pair comes once and nothing
        pairs with itself."""
        signatures = np.atleast_2d(signatures)
        n = len(signatures)
        empty = np.empty(0, dtype=np.intp)
        if n == 0:
            return
        if self.size == 0:
            yield 0, n, empty, empty
            return
        spans = []  # per band: first matching position and number of matches of every query
        for band, qkeys in enumerate(self._band_keys(signatures)):
            lo = np.searchsorted(self.keys[band], qkeys, side="left")
            spans.append((lo, np.searchsorted(self.keys[band], qkeys, side="right") - lo))
        hits = np.sum([counts for _, counts in spans], axis=0)
        start = 0
        while start < n:
            stop = start + max(1, int(np.searchsorted(np.cumsum(hits[start:]), limit, side="right")))
            found = []
            for band, (lo, counts) in enumerate(spans):
                lo, counts = lo[start:stop], counts[start:stop]
                if not counts.any():
                    continue
                queries = np.repeat(np.arange(stop - start, dtype=np.int64), counts)
                # positions lo[q], lo[q]+1, … lo[q]+counts[q]-1 for every query, flattened
                rows = self.order[band][np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(queries.size)]
                if own_from is not None:
                    later = rows > queries + (own_from + start)
                    queries, rows = queries[later], rows[later]
                found.append(queries * self.size + rows)
            if found:
                pairs = sorted_unique(np.concatenate(found))
                yield start, stop, (pairs // self.size).astype(np.intp), (pairs % self.size).astype(np.intp)
            else:
                yield start, stop, empty, empty
            start = stop


def _split(rows: np.ndarray, queries: np.ndarray, count: int) -> list[np.ndarray]:
    """``rows`` grouped by their (sorted) ``queries``: one array per query 0 … count-1."""
    bounds = np.searchsorted(queries, np.arange(count + 1))
    return [rows[bounds[q] : bounds[q + 1]] for q in range(count)]


def screen(
    signatures: np.ndarray,
    queries: np.ndarray,
    index: LSHIndex,
    minimum: float,
    own_from: int | None = None,
    limit: int = 500_000,
) -> list[np.ndarray]:
    """LSH candidates of each query whose MinHash similarity estimate is ≥ ``minimum``
    (``own_from``, ``limit``: see :meth:`LSHIndex.candidates`)."""
    queries = np.atleast_2d(queries)
    needed = minimum * signatures.shape[1]  # equal positions for an estimate ≥ minimum
    # First the low byte of every position (a quarter of the memory traffic): two equal
    # values have equal low bytes, so this keeps every pair the full comparison keeps, and
    # a few more, which the full comparison of the survivors then drops — the same result.
    low, low_queries = signatures.astype(np.uint8), queries.astype(np.uint8)
    out: list[np.ndarray] = []
    for start, stop, q, rows in index.candidates(queries, own_from, limit):
        maybe = np.count_nonzero(low[rows] == low_queries[start:stop][q], axis=1) >= needed
        q, rows = q[maybe], rows[maybe]
        keep = (
            np.count_nonzero(signatures[rows] == queries[start:stop][q], axis=1) >= needed
        )  # (a mean over booleans is ~10x slower)
        out.extend(_split(rows[keep], q[keep], stop - start))
    return out


@dataclass(frozen=True)
class Fingerprint:
    """What dedup keeps of a text: its shingle set and MinHash signature."""

    shingles: np.ndarray
    signature: np.ndarray


def fingerprint_texts(texts: Sequence[str], shingle_size: int, hasher: MinHasher) -> list[Fingerprint]:
    """Fingerprints of ``texts`` (one per text, in order)."""
    return fingerprint_normalized([normalize(t) for t in texts], shingle_size, hasher)


def fingerprint_normalized(norms: Sequence[str], shingle_size: int, hasher: MinHasher) -> list[Fingerprint]:
    sets = [shingles(n, shingle_size) for n in norms]
    sigs = hasher.signatures(sets)
    return [Fingerprint(s, sig) for s, sig in zip(sets, sigs)]


# A bucket of more texts than this is settled on its own, a block of its texts at a time, and the
# groups are refreshed between blocks (small blocks first: texts from one template are one group
# before most of their pairs are looked at); the pairs of all smaller buckets are listed together.
BIG_BUCKET = 32
GROUP_BLOCKS = (8, 16, 32, 64, 128, 256, 512, 1024)
SCREEN_PAIRS = 65_536  # candidate pairs screened at once (bounds the temporary arrays)
# At most this many fresh texts (a rebuild after a few edits): their bucket mates are found by
# comparing their band keys with everyone's, without sorting every band into an index.
FEW_FRESH = 64


class _Groups:
    """Union-find kept as a label per position: the larger group keeps its label and the smaller
    one is relabelled (O(n log n) relabels in all), so the groups of many texts are one numpy
    lookup."""

    def __init__(self, n: int):
        self.label = np.arange(n, dtype=np.intp)
        self.members: list[list[int] | None] = [[i] for i in range(n)]

    def join(self, i: int, j: int) -> None:
        a, b = int(self.label[i]), int(self.label[j])
        if a == b:
            return
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        moved = self.members[b]
        self.label[moved] = a
        self.members[a].extend(moved)
        self.members[b] = None

    def labels(self) -> list[int]:
        """Every position's group, named by its smallest position."""
        n = len(self.label)
        smallest = np.full(n, n, dtype=np.intp)
        np.minimum.at(smallest, self.label, np.arange(n, dtype=np.intp))
        return smallest[self.label].tolist()


def portal_groups(
    prints: Sequence[Fingerprint],
    settings,
    fresh: Sequence[int] | None = None,
    known: Sequence[tuple[int, int, float]] = (),
) -> tuple[list[int], list[tuple[int, int, float]]]:
    """Groups of near-identical texts — a label per position (the group's smallest position) —
    and the confirmed pairs that joined them ``(i, j, Jaccard)``, ``i < j``.

    A candidate pair shares an LSH band bucket and passes the MinHash estimate screen; it is
    confirmed by the exact Jaccard threshold *only when its two texts are not in one group yet*.
    Groups are the connected components of the confirmed pairs, and a pair inside a component
    changes no component, so the groups are exactly those of comparing every candidate pair.
    The buckets are settled biggest first: a big bucket on its own, in blocks of its texts with
    the groups refreshed between blocks — texts written from one template (issue 15 §5: 3,000
    monthly statistics items, 14 M candidate pairs, most in a few big buckets) become one group
    within the first blocks, and every later pair, in this bucket or another, is dropped by one
    comparison of group labels before it is screened; then the pairs of all small buckets at once.

    ``fresh`` (positions) and ``known`` (pairs confirmed before, among the other texts):
    compare only pairs that involve a fresh text, after joining the known pairs
    (:func:`pipeline.memo.groups`); None: every pair.  A few fresh texts (:data:`FEW_FRESH`, a
    rebuild after an edit) find their bucket mates by band key, without an index of every band."""
    n = len(prints)
    groups = _Groups(n)
    for i, j, _ in known:
        groups.join(i, j)
    joined: list[tuple[int, int, float]] = []
    if n < 2 or (fresh is not None and not len(fresh)):
        return groups.labels(), joined
    sigs = np.stack([p.signature for p in prints])
    bands, rows = lsh_params(settings.lsh_threshold, settings.num_perm)
    is_fresh = None
    if fresh is not None:
        is_fresh = np.zeros(n, dtype=bool)
        is_fresh[np.asarray(fresh, dtype=np.intp)] = True
    settle = _Settler(prints, sigs, settings, groups, is_fresh, joined)
    if is_fresh is not None and np.count_nonzero(is_fresh) <= FEW_FRESH:
        # the same candidate pairs (every pair sharing a bucket with a fresh text in it), met in
        # another order: a pair inside a group changes no group, so the groups are the same
        settle.mates(band_keys(sigs, bands, rows), np.flatnonzero(is_fresh), n)
        return groups.labels(), sorted(joined)
    index = LSHIndex(sigs, bands, rows)
    big, small = [], []  # big: (−size, band, start); small: per band, the row order, starts and sizes
    for band, keys in enumerate(index.keys):
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        sizes = np.diff(np.append(starts, len(keys)))
        large = sizes > BIG_BUCKET
        big.extend(zip((-sizes[large]).tolist(), [band] * int(large.sum()), starts[large].tolist()))
        pick = (sizes > 1) & ~large
        small.append((index.order[band], starts[pick], sizes[pick]))
    for neg_size, band, start in sorted(big):
        settle.bucket(np.sort(index.order[band][start : start - neg_size]))
    settle.small_buckets(small, n)
    return groups.labels(), sorted(joined)


class _Settler:
    """The buckets of :func:`portal_groups` settled: afterwards every confirmed candidate pair
    of their texts is inside one group."""

    def __init__(self, prints, sigs, settings, groups: _Groups, is_fresh, joined: list):
        self.prints, self.sigs, self.low = prints, sigs, sigs.astype(np.uint8)
        self.threshold = settings.threshold
        self.needed = (settings.threshold - ESTIMATE_MARGIN) * sigs.shape[1]
        self.groups, self.is_fresh, self.joined = groups, is_fresh, joined
        self.failed: set[tuple[int, int]] = set()  # pairs compared exactly and found apart

    def bucket(self, members: np.ndarray) -> None:
        """One big bucket (positions, ascending), a block of queries at a time."""
        label, is_fresh = self.groups.label, self.is_fresh
        if is_fresh is not None and not is_fresh[members].any():
            return
        at, step, count = 0, 0, len(members)
        while at < count - 1:
            own = label[members]
            if (own == own[0]).all():
                return
            size = GROUP_BLOCKS[min(step, len(GROUP_BLOCKS) - 1)]
            stop = min(at + size, count - 1)
            # pairs (query, a later text of the bucket) in different groups
            apart = (np.arange(count)[None, :] > np.arange(at, stop)[:, None]) & (own[None, :] != own[at:stop, None])
            if is_fresh is not None:
                apart &= is_fresh[members][None, :] | is_fresh[members[at:stop], None]
            left, right = np.nonzero(apart)
            self.confirm(members[left + at], members[right])
            at, step = stop, step + 1

    def small_buckets(self, buckets, n: int) -> None:
        """Every pair of texts sharing a small bucket, listed once, in different groups."""
        label, is_fresh = self.groups.label, self.is_fresh
        codes = []
        for order, starts, sizes in buckets:
            for size in np.unique(sizes).tolist():  # the buckets of one size as a (buckets, size) matrix
                rows = np.sort(order[starts[sizes == size][:, None] + np.arange(size)[None, :]], axis=1)
                a, b = np.triu_indices(size, 1)
                left, right = rows[:, a].ravel(), rows[:, b].ravel()
                keep = label[left] != label[right]
                if is_fresh is not None:
                    keep &= is_fresh[left] | is_fresh[right]
                codes.append(left[keep].astype(np.int64) * n + right[keep])
        if codes:
            pairs = sorted_unique(np.concatenate(codes))
            self.confirm((pairs // n).astype(np.intp), (pairs % n).astype(np.intp))

    def mates(self, keys_by_band, fresh: np.ndarray, n: int) -> None:
        """Every pair of a fresh text (positions ``fresh``) and a text sharing one of its band
        keys (``keys_by_band``: :func:`band_keys`), listed once, in different groups."""
        label = self.groups.label
        codes = []
        for keys in keys_by_band:
            which, mates = np.nonzero(keys[fresh][:, None] == keys[None, :])
            own = fresh[which]
            other = mates != own
            own, mates = own[other], mates[other]
            codes.append(np.minimum(own, mates).astype(np.int64) * n + np.maximum(own, mates))
        if codes:
            pairs = sorted_unique(np.concatenate(codes))
            left, right = (pairs // n).astype(np.intp), (pairs % n).astype(np.intp)
            keep = label[left] != label[right]
            self.confirm(left[keep], right[keep])

    def confirm(self, left: np.ndarray, right: np.ndarray) -> None:
        """Screen candidate pairs by their MinHash estimate (low bytes first: equal values have
        equal low bytes; then in full) and join, in order, those still apart that pass the
        exact Jaccard threshold."""
        label = self.groups.label
        for lo in range(0, len(left), SCREEN_PAIRS):
            i, j = left[lo : lo + SCREEN_PAIRS], right[lo : lo + SCREEN_PAIRS]
            keep = label[i] != label[j]
            i, j = i[keep], j[keep]
            keep = np.count_nonzero(self.low[i] == self.low[j], axis=1) >= self.needed
            i, j = i[keep], j[keep]
            keep = np.count_nonzero(self.sigs[i] == self.sigs[j], axis=1) >= self.needed
            for a, b in zip(i[keep].tolist(), j[keep].tolist()):
                if label[a] == label[b] or (a, b) in self.failed:
                    continue
                similarity = jaccard(self.prints[a].shingles, self.prints[b].shingles)
                if similarity >= self.threshold:
                    self.groups.join(a, b)
                    self.joined.append((min(a, b), max(a, b), similarity))
                else:
                    self.failed.add((a, b))


def signature_bytes(sig: np.ndarray) -> bytes:
    return np.ascontiguousarray(sig, dtype="<u4").tobytes()


def signatures_from_bytes(blobs: Iterable[bytes], num_perm: int) -> np.ndarray:
    data = b"".join(blobs)
    return np.frombuffer(data, dtype="<u4").reshape(-1, num_perm) if data else np.empty((0, num_perm), dtype=np.uint32)
