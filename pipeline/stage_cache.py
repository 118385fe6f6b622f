"""Content-hash caches of the per-item gate work, so a rebuild redoes it only for changed items.

Four caches live next to the load cache in the private work folder (``<work>/cache/``):
``gate.msgpack`` keeps, per item (its path and the SHA-256 of its file), what each cacheable
check of :mod:`pipeline.confidentiality` returned — the findings, never the decision, which
:func:`pipeline.confidentiality.gate` still takes on every run; ``dedup.npz`` keeps the
shingle set and MinHash signature of each compared text (keyed by the SHA-256 of the text)
for :mod:`pipeline.upstream`; ``pairs.npz`` the near-identical pairs among the portal's own
texts, so that only pairs with a changed text are looked up again; ``ledger.msgpack`` the
parsed 索引号 ledger by the hash of its text.  Each cache carries a stamp of everything else its entries
depend on — the source code of the modules involved, every file of the configuration
folder, the loaded configuration itself and the versions of Python and the libraries —
and is dropped whole when the stamp differs.  It fails closed: a file that cannot be read,
does not have the expected shape, or was written by other code counts as empty, and the
work is simply done again.  No cache is ever pickled: the ``.msgpack`` files go through
:mod:`pipeline.cache_codec` (a closed set of types, each record field checked), the
``.npz`` files are read with ``allow_pickle=False`` and only when every member is stored
uncompressed (no zip bomb), so a planted file cannot run code or fill the memory.  Checks
that depend on the build's reference date are never cached.  This module does not decide anything and does not print; deleting the folder is
always safe.
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from pipeline import cache_codec
from pipeline.config import Config
from pipeline.findings import Finding

FORMAT = 1
HERE = Path(__file__).resolve().parent
# modules whose code decides an item record (an item is keyed by its file's bytes)
LOAD_SOURCES = ("load.py", "model.py", "config", "findings.py")


def stamp(kind: str, sources: Iterable[str], packages: Iterable[str], config: Config | None, extra: str = "") -> str:
    """A digest of everything besides an entry's own key that its cached value depends on."""
    digest = hashlib.sha256(f"{kind}|{FORMAT}|{sys.version}|{extra}".encode())
    for source in sources:  # a module, or a package (every .py file in it, e.g. "config")
        path = HERE / source
        for file in sorted(path.rglob("*.py")) if path.is_dir() else (path,):
            digest.update(file.relative_to(HERE).as_posix().encode() + file.read_bytes())
    for package in packages:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(package.encode())
    if config is not None:
        digest.update(repr(config).encode())  # a Config made or changed in code, too
        root = Path(config.root)
        for file in sorted(p for p in root.iterdir() if p.is_file()):  # *.yaml, sensitive_words.txt …
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _load_npz(path: Path):
    """``np.load`` of one of our ``.npz`` files: never pickled objects (``allow_pickle=False``)
    and only members stored as they are — np.savez never compresses, so a compressed member
    (which could expand to any size) means the file is not ours."""
    with zipfile.ZipFile(path) as archive:
        if any(info.compress_type != zipfile.ZIP_STORED for info in archive.infolist()):
            raise ValueError("compressed member: not our cache")
    return np.load(path, allow_pickle=False)


# --- confidentiality check results ------------------------------------------------------------


class GateCache:
    """Per item and check: the tuple of findings the check returned (no exception)."""

    def __init__(self, path: Path, config: Config, markdown=None):
        """``markdown``: the :class:`pipeline.rendered.MarkdownSettings` the rendered check
        uses (part of the stamp, with the code and versions of renderer, sanitiser, folding)."""
        self.path = Path(path)
        self.old: dict = {}
        self.new: dict = {}
        self.hits = 0
        self.dirty = False
        try:
            self.stamp: str | None = stamp(
                "gate",
                LOAD_SOURCES
                + (
                    "confidentiality.py",
                    "scanners.py",
                    "rendered.py",
                    "sanitise.py",
                    "stage_cache.py",
                    "cache_codec.py",
                ),
                (
                    "PyYAML",
                    "python-frontmatter",
                    "pyahocorasick",
                    "OpenCC",
                    "Markdown",
                    "pymdown-extensions",
                    "Pygments",
                    "nh3",
                ),
                config,
                extra=repr(markdown),
            )
        except Exception:  # noqa: BLE001 - what the entries depend on is unknown: no cache at all
            self.stamp = None
        try:
            if self.stamp is None:
                return
            data = cache_codec.loads(self.path.read_bytes(), (Finding,))  # never pickle
            if type(data) is dict and data.get("stamp") == self.stamp and type(data.get("entries")) is dict:
                self.old = {k: v for k, v in data["entries"].items() if _valid_entry(k, v)}
        except (OSError, ValueError):  # fail closed: an unreadable, damaged or foreign cache is an empty one
            self.old = {}

    @staticmethod
    def key(item) -> tuple[str, str] | None:
        """An item is known by its path and the hash of its file; an item without one is never cached."""
        return (item.path, item.content_hash) if item.content_hash else None

    def get(self, key, check: str) -> tuple[Finding, ...] | None:
        if key is None or self.stamp is None:
            return None
        found = self.old.get(key, {}).get(check)
        if found is not None:
            self.hits += 1
            self.new.setdefault(key, {})[check] = found
        return found

    def put(self, key, check: str, findings: Sequence[Finding]) -> None:
        if key is not None and self.stamp is not None:
            self.new.setdefault(key, {})[check] = tuple(findings)
            self.dirty = True

    def save(self) -> None:
        """Keep only the entries of this run (removed items drop out); nothing to write when
        every entry came from the file and none dropped out."""
        if self.stamp is None or (not self.dirty and self.new.keys() == self.old.keys()):
            return
        write_atomic(self.path, cache_codec.dumps({"stamp": self.stamp, "entries": self.new}, (Finding,)))


def _valid_entry(key, value) -> bool:
    return (
        type(key) is tuple
        and len(key) == 2
        and all(type(k) is str for k in key)
        and type(value) is dict
        and all(
            type(name) is str and type(fs) is tuple and all(type(f) is Finding and f.path == key[0] for f in fs)
            for name, fs in value.items()
        )
    )


# --- dedup fingerprints -----------------------------------------------------------------------


class FingerprintCache:
    """Shingle sets and MinHash signatures by the SHA-256 of the compared text, stored as
    three arrays (keys, concatenated shingles with offsets, signatures) in one ``.npz``."""

    def __init__(self, path: Path, settings):
        self.path = Path(path)
        self.num_perm = int(settings.num_perm)
        self.settings = (int(settings.shingle), int(settings.num_perm), int(settings.seed))
        self.old: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self.new: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self.hits = 0
        self.dirty = False
        try:
            self.stamp: str | None = stamp(
                "dedup", ("dedup.py", "stage_cache.py"), ("numpy",), None, extra=repr(self.settings)
            )
            self.old = self._read()
        except Exception:  # noqa: BLE001 - fail closed
            self.stamp = getattr(self, "stamp", None)
            self.old = {}

    def _read(self) -> dict:
        if not self.path.is_file():
            return {}
        with _load_npz(self.path) as npz:
            if str(npz["stamp"]) != self.stamp:
                return {}
            keys, offsets, flat, sigs = npz["keys"], npz["offsets"], npz["shingles"], npz["signatures"]
        n = len(keys)
        if (
            keys.dtype != np.uint8
            or keys.ndim != 2
            or keys.shape[1] != 32
            or offsets.dtype != np.int64
            or flat.dtype != np.uint32
            or sigs.dtype != np.uint32
            or offsets.shape != (n + 1,)
            or sigs.shape != (n, self.num_perm)
            or offsets[0] != 0
            or offsets[-1] != len(flat)
            or (n and np.any(np.diff(offsets) < 0))
        ):
            return {}
        bounds = offsets.tolist()
        raw = keys.tobytes()
        return {raw[32 * i : 32 * i + 32]: (flat[bounds[i] : bounds[i + 1]], sigs[i]) for i in range(n)}

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def fingerprints(self, texts: Sequence[str], compute, keys: Sequence[bytes] | None = None) -> list:
        """Fingerprints of ``texts``; ``compute(missing_texts)`` makes those not cached.
        ``keys``: the texts' :meth:`key` when the caller has them already."""
        from pipeline.dedup import Fingerprint

        keys = [self.key(t) for t in texts] if keys is None else keys
        out: list = [None] * len(texts)
        missing: dict[bytes, list[int]] = {}
        for i, k in enumerate(keys):
            found = self.old.get(k) or self.new.get(k)
            if found is not None:
                self.hits += 1
                self.new[k] = found
                out[i] = Fingerprint(*found)
            else:
                missing.setdefault(k, []).append(i)
        if missing:
            made = compute([texts[idx[0]] for idx in missing.values()])
            self.dirty = True
            for (k, idx), fp in zip(missing.items(), made):
                self.new[k] = (fp.shingles, fp.signature)
                for i in idx:
                    out[i] = fp
        return out

    def save(self) -> None:
        if self.stamp is None or (not self.dirty and self.new.keys() == self.old.keys()):
            return  # no stamp, or every fingerprint came from the file and none dropped out
        keys = list(self.new)
        sets = [self.new[k][0] for k in keys]
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum([s.size for s in sets], out=offsets[1:])
        buf = io.BytesIO()
        np.savez(
            buf,
            stamp=np.array(self.stamp),
            keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32),
            offsets=offsets,
            shingles=np.concatenate(sets).astype(np.uint32) if sets else np.empty(0, dtype=np.uint32),
            signatures=np.stack([self.new[k][1] for k in keys]).astype(np.uint32)
            if keys
            else np.empty((0, self.num_perm), dtype=np.uint32),
        )
        write_atomic(self.path, buf.getvalue())


# --- dedup: similar pairs among the portal's own items ----------------------------------------


class PairCache:
    """The texts compared last time (their SHA-256 keys) and the confirmed pairs that joined
    them into groups (:func:`pipeline.dedup.portal_groups`), in ``pairs.npz``.

    A group none of whose texts changed or went away is known: whether two texts are similar
    depends on them alone, and every pair of its texts with any other unchanged text was
    settled last time.  A group that lost a text is compared again as a whole (the pair that
    held it together may have gone with it), as are new and repeated texts; so the groups
    always equal those of a run without the cache."""

    def __init__(self, path: Path, settings):
        self.path = Path(path)
        self.compared: set[bytes] = set()
        self.edges: dict[tuple[bytes, bytes], float] = {}
        params = (
            int(settings.shingle),
            int(settings.num_perm),
            int(settings.seed),
            float(settings.threshold),
            float(settings.lsh_threshold),
        )
        self.result: tuple[list[bytes], list[tuple[int, int, float]]] | None = None
        try:
            self.stamp: str | None = stamp(
                "pairs", ("dedup.py", "stage_cache.py"), ("numpy",), None, extra=repr(params)
            )
            self.compared, self.edges = self._read()
        except Exception:  # noqa: BLE001 - fail closed: nothing known, every pair compared
            self.stamp = getattr(self, "stamp", None)
            self.compared, self.edges = set(), {}

    def _read(self) -> tuple[set[bytes], dict[tuple[bytes, bytes], float]]:
        if not self.path.is_file():
            return set(), {}
        with _load_npz(self.path) as npz:
            if str(npz["stamp"]) != self.stamp:
                return set(), {}
            keys, left, right, sims = npz["keys"], npz["left"], npz["right"], npz["similarity"]
        if (
            keys.dtype != np.uint8
            or keys.ndim != 2
            or keys.shape[1] != 32
            or left.dtype != np.int64
            or right.dtype != np.int64
            or sims.dtype != np.float64
            or not (left.shape == right.shape == sims.shape)
            or left.ndim != 1
            or (left.size and (left.min() < 0 or right.min() < 0 or max(left.max(), right.max()) >= len(keys)))
        ):
            return set(), {}
        raw = keys.tobytes()
        names = [raw[32 * i : 32 * i + 32] for i in range(len(keys))]
        return set(names), {
            (names[a], names[b]): float(sim) for a, b, sim in zip(left.tolist(), right.tolist(), sims.tolist())
        }

    def groups_for(self, keys: Sequence[bytes], compute) -> list[int]:
        """Group labels of the texts with these ``keys``: ``compute(fresh, known)`` is
        :func:`pipeline.dedup.portal_groups` for the texts at positions ``fresh`` (None: all)
        after joining the ``known`` pairs, and returns ``(labels, pairs it confirmed)``."""
        count: dict[bytes, int] = {}
        for k in keys:
            count[k] = count.get(k, 0) + 1
        # last run's groups, by key; a group with a key that is gone (changed or removed) is stale
        parent: dict[bytes, bytes] = {}

        def root(k: bytes) -> bytes:
            while parent.get(k, k) != k:
                k = parent[k]
            return k

        for a, b in self.edges:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        present = set(keys)
        stale = {root(k) for k in self.compared if k not in present}
        position = {k: n for n, k in enumerate(keys)}
        old = [n for n, k in enumerate(keys) if k in self.compared and count[k] == 1 and root(k) not in stale]
        stale |= {root(keys[n]) for n, k in enumerate(keys) if count[k] > 1}
        old = [n for n in old if root(keys[n]) not in stale]
        settled = set(old)
        fresh = [n for n in range(len(keys)) if n not in settled]
        known = sorted(
            (min(position[a], position[b]), max(position[a], position[b]), sim)
            for (a, b), sim in self.edges.items()
            if a in position and b in position and position[a] in settled and position[b] in settled
        )
        labels, joined = compute(fresh, known) if old else compute(None, ())
        self.result = (list(keys), sorted(set(known) | set(joined)))
        return labels

    def save(self) -> None:
        if self.stamp is None or self.result is None:
            return
        keys, edges = self.result
        unique = list(dict.fromkeys(keys))
        if set(unique) == self.compared and {(keys[i], keys[j]) for i, j, _ in edges} == set(self.edges):
            return  # nothing new
        number = {k: n for n, k in enumerate(unique)}
        kept = [(i, j, sim) for i, j, sim in edges if keys[i] != keys[j]]  # copies are compared anew anyway
        buf = io.BytesIO()
        np.savez(
            buf,
            stamp=np.array(self.stamp),
            keys=np.frombuffer(b"".join(unique), dtype=np.uint8).reshape(len(unique), 32),
            left=np.array([number[keys[i]] for i, j, _ in kept], dtype=np.int64),
            right=np.array([number[keys[j]] for i, j, _ in kept], dtype=np.int64),
            similarity=np.array([sim for _, _, sim in kept], dtype=np.float64),
        )
        write_atomic(self.path, buf.getvalue())


# --- the 索引号 ledger -------------------------------------------------------------------------


class LedgerCache:
    """The parsed 索引号 ledger and its findings by the SHA-256 of its text, in
    ``ledger.msgpack``: parsing a ledger of 50,000 entries takes seconds, and it changes only
    when numbers are assigned.  Anything unexpected in the file: parsed again."""

    def __init__(self, path: Path, config: Config):
        self.path = Path(path)
        try:
            self.stamp: str | None = stamp(
                "ledger", ("numbering.py", "findings.py", "stage_cache.py", "cache_codec.py"), ("PyYAML",), config
            )
        except Exception:  # noqa: BLE001 - no stamp, no cache
            self.stamp = None

    def parsed(self, text: str, parse):
        """``parse(text)`` — from the file when this very text was parsed before."""
        from pipeline.numbering import Ledger, LedgerEntry

        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        records = (Ledger, LedgerEntry, Finding)
        if self.stamp is not None:
            try:
                data = cache_codec.loads(self.path.read_bytes(), records)  # never pickle
                value = (
                    data["value"]
                    if type(data) is dict and data.get("stamp") == self.stamp and data.get("text") == digest
                    else None
                )
                if (
                    type(value) is tuple
                    and len(value) == 2
                    and type(value[1]) is tuple
                    and all(type(f) is Finding for f in value[1])
                    and (
                        value[0] is None
                        or (type(value[0]) is Ledger and all(type(e) is LedgerEntry for e in value[0].entries))
                    )
                ):
                    return value
            except (OSError, ValueError):  # fail closed: parse again
                pass
        value = parse(text)
        if self.stamp is not None:
            try:
                write_atomic(
                    self.path, cache_codec.dumps({"stamp": self.stamp, "text": digest, "value": value}, records)
                )
            except (OSError, TypeError):
                pass  # only costs time next run
        return value


def save_quietly(*caches) -> None:
    """Write each cache; one that cannot be written only costs time on the next run."""
    for cache in caches:
        if cache is not None:
            try:
                cache.save()
            except (OSError, ValueError, TypeError, zipfile.BadZipFile):  # TypeError: a value the codec does not store
                pass
