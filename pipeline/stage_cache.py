"""Content-hash caches of the per-item gate work, so a rebuild redoes it only for changed items.

Two caches live next to the load cache in the private work folder (``<work>/cache/``):
``gate.pickle`` keeps, per item (its path and the SHA-256 of its file), what each cacheable
check of :mod:`pipeline.confidentiality` returned — the findings, never the decision, which
:func:`pipeline.confidentiality.gate` still takes on every run; ``dedup.npz`` keeps the
shingle set and MinHash signature of each compared text (keyed by the SHA-256 of the text)
for :mod:`pipeline.upstream`.  Each cache carries a stamp of everything else its entries
depend on — the source code of the modules involved, every file of the configuration
folder, the loaded configuration itself and the versions of Python and the libraries —
and is dropped whole when the stamp differs.  It fails closed: a file that cannot be read,
does not have the expected shape, or was written by other code counts as empty, and the
work is simply done again.  Checks that depend on the build's reference date are never
cached.  This module does not decide anything and does not print; deleting the folder is
always safe.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from pipeline.config import Config
from pipeline.findings import Finding

FORMAT = 1
HERE = Path(__file__).resolve().parent
# modules whose code decides an item record (an item is keyed by its file's bytes)
LOAD_SOURCES = ("load.py", "model.py", "config.py", "findings.py")


def stamp(kind: str, sources: Iterable[str], packages: Iterable[str], config: Config | None, extra: str = "") -> str:
    """A digest of everything besides an entry's own key that its cached value depends on."""
    digest = hashlib.sha256(f"{kind}|{FORMAT}|{sys.version}|{extra}".encode())
    for source in sources:
        digest.update(source.encode() + (HERE / source).read_bytes())
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


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


# --- confidentiality check results ------------------------------------------------------------


class GateCache:
    """Per item and check: the tuple of findings the check returned (no exception)."""

    def __init__(self, path: Path, config: Config):
        self.path = Path(path)
        self.old: dict = {}
        self.new: dict = {}
        self.hits = 0
        self.dirty = False
        try:
            self.stamp: str | None = stamp("gate", LOAD_SOURCES + ("confidentiality.py", "scanners.py", "stage_cache.py"),
                                           ("PyYAML", "python-frontmatter", "pyahocorasick"), config)
        except Exception:  # noqa: BLE001 - what the entries depend on is unknown: no cache at all
            self.stamp = None
        try:
            if self.stamp is None:
                return
            data = pickle.loads(self.path.read_bytes())  # noqa: S301 - our own file in the private work folder
            if type(data) is dict and data.get("stamp") == self.stamp and type(data.get("entries")) is dict:
                self.old = {k: v for k, v in data["entries"].items() if _valid_entry(k, v)}
        except Exception:  # noqa: BLE001 - fail closed: an unreadable cache is an empty one
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
        _write_atomic(self.path, pickle.dumps({"stamp": self.stamp, "entries": self.new}, protocol=pickle.HIGHEST_PROTOCOL))


def _valid_entry(key, value) -> bool:
    return (
        type(key) is tuple and len(key) == 2 and all(type(k) is str for k in key)
        and type(value) is dict
        and all(type(name) is str and type(fs) is tuple and all(type(f) is Finding and f.path == key[0] for f in fs) for name, fs in value.items())
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
            self.stamp: str | None = stamp("dedup", ("dedup.py", "stage_cache.py"), ("numpy",), None, extra=repr(self.settings))
            self.old = self._read()
        except Exception:  # noqa: BLE001 - fail closed
            self.stamp = getattr(self, "stamp", None)
            self.old = {}

    def _read(self) -> dict:
        if not self.path.is_file():
            return {}
        with np.load(self.path, allow_pickle=False) as npz:
            if str(npz["stamp"]) != self.stamp:
                return {}
            keys, offsets, flat, sigs = npz["keys"], npz["offsets"], npz["shingles"], npz["signatures"]
        n = len(keys)
        if (keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != 32 or offsets.dtype != np.int64 or flat.dtype != np.uint32 or sigs.dtype != np.uint32
                or offsets.shape != (n + 1,) or sigs.shape != (n, self.num_perm) or offsets[0] != 0 or offsets[-1] != len(flat)
                or (n and np.any(np.diff(offsets) < 0))):
            return {}
        bounds = offsets.tolist()
        raw = keys.tobytes()
        return {raw[32 * i : 32 * i + 32]: (flat[bounds[i] : bounds[i + 1]], sigs[i]) for i in range(n)}

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def fingerprints(self, texts: Sequence[str], compute) -> list:
        """Fingerprints of ``texts``; ``compute(missing_texts)`` makes those not cached."""
        from pipeline.dedup import Fingerprint

        keys = [self.key(t) for t in texts]
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
            buf, stamp=np.array(self.stamp), keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32), offsets=offsets,
            shingles=np.concatenate(sets).astype(np.uint32) if sets else np.empty(0, dtype=np.uint32),
            signatures=np.stack([self.new[k][1] for k in keys]).astype(np.uint32) if keys else np.empty((0, self.num_perm), dtype=np.uint32),
        )
        _write_atomic(self.path, buf.getvalue())


def save_quietly(*caches) -> None:
    """Write each cache; one that cannot be written only costs time on the next run."""
    for cache in caches:
        if cache is not None:
            try:
                cache.save()
            except (OSError, ValueError, zipfile.BadZipFile):
                pass
