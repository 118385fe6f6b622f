"""What :func:`pipeline.publication.run` remembers of the stages' work (:mod:`pipeline.memo`).

One :class:`pipeline.memo.Spec` per memo file in ``<work>/cache/``: what a result depends on
besides its key (code, libraries, configuration) and how a stored entry is checked before it
is trusted — an entry that is not exactly what this code would have written for its key (an
item of another file, findings of another path, unsorted shingles, a signature of another
length …) is a miss, and the work is done again.  The stage modules do not import this one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline import audit_cache, confidentiality, dedup, load, numbering, withheld_text
from pipeline.config import Config
from pipeline.findings import Finding
from pipeline.memo import Memo, Spec
from pipeline.model import Attachment, ChangeNote, Item
from pipeline.rendered import MarkdownSettings

# modules whose code decides an item record (an item is keyed by its file's bytes)
LOAD_SOURCES = ("load.py", "model.py", "config", "findings.py", "safe_yaml.py")


def source_key(source: load.Source) -> tuple[str, str]:
    return (source.rel, hashlib.sha256(source.data).hexdigest())


def item_key(item: Item) -> tuple[str, str] | None:
    """An item is known by its path and the hash of its file; an item without one is never remembered."""
    return (item.path, item.content_hash) if item.content_hash else None


def finished(scanned: confidentiality.Scanned) -> bool:
    return scanned.finished  # a scan that broke is done again next time (fail closed)


def _loaded(key: tuple[str, str], found):
    """An item or finding of exactly this file (path and, for an item, content hash)."""
    if type(found) is Item and found.path == key[0] and found.content_hash == key[1]:
        return found
    if type(found) is Finding and found.path == key[0]:
        return found
    raise ValueError("not what loading this file gives")


def _scanned(key: tuple[str, str], found):
    if (
        type(found) is confidentiality.Scanned
        and found.finished
        and found.path == key[0]
        and len(found.findings) == len(confidentiality.SCANS)
        and all(type(f) is Finding and f.path == key[0] for fs in found.findings for f in fs)
    ):
        return found
    raise ValueError("not a scan of this item")


def _fingerprint(num_perm: int):
    def check(key: bytes, stored) -> dedup.Fingerprint:
        shingles, signature = stored
        if type(shingles) is not bytes or type(signature) is not bytes or len(signature) != 4 * num_perm:
            raise ValueError("not a fingerprint")
        values = np.frombuffer(shingles, dtype="<u4")  # raises when not a whole number of values
        if values.size > 1 and not (values[1:] > values[:-1]).all():
            raise ValueError("shingles not sorted and unique")
        return dedup.Fingerprint(values, np.frombuffer(signature, dtype="<u4"))

    return check


def _store_fingerprint(fp: dedup.Fingerprint) -> tuple[bytes, bytes]:
    return (np.ascontiguousarray(fp.shingles, dtype="<u4").tobytes(), dedup.signature_bytes(fp.signature))


def _pairs(key: str, stored):
    keys, edges = stored
    if (
        key == "groups"
        and type(keys) is tuple
        and all(type(k) is bytes and len(k) == 32 for k in keys)
        and type(edges) is tuple
        and all(
            type(e) is tuple
            and len(e) == 3
            and type(e[0]) is bytes
            and type(e[1]) is bytes
            and type(e[2]) is float
            and 0.0 <= e[2] <= 1.0
            for e in edges
        )
    ):
        return keys, edges
    raise ValueError("not the compared texts and pairs")


def _text_key(key: tuple[str, str], stored) -> bytes:
    """The SHA-256 (32 bytes) of an item's compared text."""
    if type(stored) is bytes and len(stored) == 32:
        return stored
    raise ValueError("not a text's digest")


def index_key(index: withheld_text.Index) -> tuple[str, int]:
    """What a :class:`pipeline.withheld_text.Seen` depends on besides its item: the windows of
    the index, in their order (a window's number is its place)."""
    digest = hashlib.sha256("\n".join(index.ordered).encode("utf-8", "surrogatepass")).hexdigest()
    return digest, len(index.ordered)


def seen_key(item: Item, index: tuple[str, int]) -> tuple[str, str, str, int] | None:
    known = item_key(item)
    return None if known is None else known + index


def _seen(key: tuple[str, str, str, int], stored) -> withheld_text.Seen:
    """A title key and ascending window numbers, each below the index's count of windows."""
    title, shared = stored
    if type(title) is not str or type(shared) is not bytes:
        raise ValueError("not what an item shows the index")
    numbers = np.frombuffer(shared, dtype="<u4")  # raises when not a whole number of values
    if numbers.size and (numbers[-1] >= key[3] or (numbers.size > 1 and not (numbers[1:] > numbers[:-1]).all())):
        raise ValueError("window numbers not ascending within the index")
    return withheld_text.Seen(title, numbers)


def _store_seen(seen: withheld_text.Seen) -> tuple[str, bytes]:
    return (seen.title, np.ascontiguousarray(seen.shared, dtype="<u4").tobytes())


def _fold_table(key: str, stored):
    if key == "table" and type(stored) is dict and all(type(k) is str and type(v) is str for k, v in stored.items()):
        return stored
    raise ValueError("not a fold table")


def _ledger(key: str, found):
    ledger, findings = found
    if type(findings) is tuple and all(type(f) is Finding for f in findings):
        if ledger is None or (
            type(ledger) is numbering.Ledger and all(type(e) is numbering.LedgerEntry for e in ledger.entries)
        ):
            return found
    raise ValueError("not a parsed ledger")


GATE_PACKAGES = (
    "PyYAML",
    "python-frontmatter",
    "pyahocorasick",
    "OpenCC",
    "Markdown",
    "pymdown-extensions",
    "Pygments",
    "nh3",
)
# Every memo of a run: a file in the cache folder each, with what its results depend on.
MEMOS = {
    "load": Spec(
        "load", LOAD_SOURCES, ("PyYAML", "python-frontmatter"), (Item, Attachment, ChangeNote, Finding), _loaded
    ),
    "gate": Spec(
        "gate",
        LOAD_SOURCES + ("confidentiality.py", "scanners.py", "rendered.py", "sanitise.py", "cpu_limit.py"),
        GATE_PACKAGES,
        (confidentiality.Scanned, Finding),
        _scanned,
    ),
    "seen": Spec(
        "withheld-text",
        LOAD_SOURCES + ("withheld_text.py", "scanners.py"),
        ("PyYAML", "python-frontmatter", "OpenCC", "numpy"),
        check=_seen,
        store=_store_seen,
    ),
    # the SHA-256 of an item's compared text (dedup_stage.item_text), by its file: the key of
    # its fingerprint and of its place among the compared texts, without hashing every text again
    "texts": Spec("dedup-text", LOAD_SOURCES + ("dedup_stage.py",), ("PyYAML", "python-frontmatter"), check=_text_key),
    "prints": Spec("dedup", ("dedup.py",), ("numpy",), uses_config=False, store=_store_fingerprint),
    "pairs": Spec("pairs", ("dedup.py",), ("numpy",), check=_pairs, uses_config=False),
    # the scanners' fold table (~56,000 characters, ~0.13 s to work out in each process): one entry
    "fold": Spec("fold", ("scanners.py",), ("OpenCC",), check=_fold_table, uses_config=False),
    "ledger": Spec(
        "ledger",
        ("numbering.py", "findings.py", "config"),
        ("PyYAML",),
        (numbering.Ledger, numbering.LedgerEntry, Finding),
        _ledger,
    ),
}


@dataclass(frozen=True)
class Memos:
    load: Memo
    gate: Memo
    seen: Memo
    texts: Memo
    prints: Memo
    pairs: Memo
    fold: Memo
    ledger: Memo

    @classmethod
    def open(cls, cache_dir: Path | None, config: Config, markdown: MarkdownSettings) -> Memos:
        """The memos of a run in ``cache_dir`` (None: none, nothing remembered)."""
        if cache_dir is None:
            return cls(*(Memo.off() for _ in MEMOS))
        up = config.upstream
        fingerprints = (int(up.shingle), int(up.num_perm), int(up.seed))
        extra = {"gate": repr(markdown), "prints": repr(fingerprints)}
        extra["pairs"] = repr(fingerprints + (float(up.threshold), float(up.lsh_threshold)))
        specs = dict(MEMOS, prints=replace(MEMOS["prints"], check=_fingerprint(fingerprints[1])))
        folder = Path(cache_dir)
        key = audit_cache.cache_key(folder)  # None (no key to be had): no memo, every file worked out
        return cls(
            **{
                name: Memo(folder / f"{spec.name}.msgpack", spec, config, extra.get(name, ""), key=key)
                for name, spec in specs.items()
            }
        )

    def save(self) -> None:
        for one in (self.load, self.gate, self.seen, self.texts, self.prints, self.pairs, self.fold, self.ledger):
            one.save()
