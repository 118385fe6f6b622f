"""The output audit's verdicts kept from one build to the next (issue 15), so a rebuild reads
only the files that changed.

A file's verdict — the scanners' hits (``marker``, ``pii``, ``sensitive-word``,
``unsafe-html``, ``audit-unreadable``) and the withheld items' strings found in it — is a
function of its bytes, its path (which says how it is read), the scanners (their rules, word
lists, allowed phone numbers, the code that reads each kind of file) and the set of withheld
needles.  :class:`VerdictCache` keeps, per site path, the SHA-256 of the bytes it judged, the
needle set it judged them with and the hits, under one stamp of everything else: the source of
every module of :mod:`pipeline`, every file of the configuration folder, the loaded
configuration, Python's and the reading libraries' versions.  A different stamp drops the
whole cache.  A file whose digest differs is read and scanned again.  When the needle set
changed: if the new set is part of the old one (an item published again), the old hits of
needles still withheld stay valid and the others are dropped; if any needle is new (a newly
withheld item), every file is read again — its strings may be on any page.  The
``withheld-file`` checks (a page at a withheld item's URL, a withheld attachment's bytes) are
not cached: they need the path and the digest only and run on every build.

The cache is fail-closed.  It is :mod:`pipeline.cache_codec` msgpack (never pickle), every
entry's shape is checked, and the whole file carries an HMAC-SHA256 with a random key kept
beside the work folder's caches (``<work>/audit-cache.key``, mode 0600, never in
``<work>/cache/``): a file that is unreadable, damaged, written by other code, or planted
without the key — say a forged "clean" for a page with a 密级 marking — counts as empty and
every file is scanned.  A work folder copied from another machine brings its key along:
delete ``audit-cache.key`` then.

The withheld needles (:func:`pipeline.audit.prepare_withheld`, which looks for each withheld
item's candidate strings in every published text) are kept in two parts, under the same stamp:
each withheld item's (and file's) candidates by a digest of the item's fields and the Markdown
settings; and, per published text by its SHA-256, which candidates it contains, with the set of
candidates that were searched for.  The latter is valid while the candidates are a subset of
those (an item published again, an item no longer withheld); a text whose digest is not known
(the edited item) is read, and a new candidate (an item newly withheld, or a withheld item
edited) has every published text read again.  This module does not decide anything and does
not print; deleting the cache or the key is always safe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
from importlib import metadata
from pathlib import Path

from pipeline import cache_codec

FORMAT = 2
CACHE_FILE = "audit.msgpack"  # in <work>/cache/
KEY_FILE = "audit-cache.key"  # in <work>/, never in <work>/cache/
_MAGIC = b"portal-audit-cache/1\n"
_MAC = 32
HERE = Path(__file__).resolve().parent
# libraries whose behaviour a verdict depends on (text extraction, normalisation, matching)
PACKAGES = (
    "pyahocorasick",
    "OpenCC",
    "Markdown",
    "pymdown-extensions",
    "Pygments",
    "nh3",
    "pypdf",
    "openpyxl",
    "msgpack",
    "PyYAML",
)

Hit = tuple[str, str, str]  # (rule, match, what)


def stamp(config, extra: str = "") -> str:
    """Everything besides a file's bytes and path and the needles that a verdict depends on."""
    digest = hashlib.sha256(f"audit|{FORMAT}|{sys.version}|{extra}".encode())
    for source in sorted(HERE.rglob("*.py")):
        digest.update(source.relative_to(HERE).as_posix().encode() + b"\0" + source.read_bytes())
    for package in PACKAGES:
        try:
            digest.update(f"\0{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{package}=-".encode())
    digest.update(repr(config).encode())
    root = Path(config.root)
    for file in sorted(p for p in root.iterdir() if p.is_file()):
        digest.update(b"\0" + file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def needle_rows(needles) -> frozenset:
    """The withheld needles (:class:`pipeline.audit.Needle`) as a set of (text, item, what)."""
    return frozenset((n.text, n.item, n.what) for n in needles)


def needle_stamp(rows) -> str:
    """The identity of a set of needle rows (order does not matter)."""
    return hashlib.sha256(json.dumps(sorted(rows), ensure_ascii=False).encode()).hexdigest()


def work_key(work: Path) -> bytes | None:
    """The MAC key of this work folder (the audit cache and the page record, :mod:`pipeline.mkdocs_pages`,
    are written with it), made on first use; None when it cannot be had."""
    path = Path(work) / KEY_FILE
    try:
        data = path.read_bytes()
        if len(data) == _MAC:
            return data
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:  # missing or damaged: a new key (every cache written with the old one is void)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(_MAC))
        os.replace(tmp, path)
        data = path.read_bytes()
        return data if len(data) == _MAC else None
    except OSError:
        return None


def cache_key(cache_dir: Path) -> bytes | None:
    """The key every file of the cache folder ``cache_dir`` (``<work>/cache``) is sealed with:
    the key of the work folder that holds it (:func:`work_key`), never a file inside it."""
    return work_key(Path(cache_dir).parent)


def seal(key: bytes, payload: bytes) -> bytes:
    """A record of the work folder (the page record, the last build's record, every cache file):
    one line with the HMAC-SHA256 of ``payload`` under ``key`` in hex, then the payload."""
    return hmac.new(key, payload, "sha256").hexdigest().encode("ascii") + b"\n" + payload


def unseal(key: bytes | None, data: bytes) -> bytes | None:
    """The payload of :func:`seal`'s ``data``; None when there is no key or the MAC is not this key's."""
    if key is None:
        return None
    mac, _, payload = data.partition(b"\n")
    try:
        given = bytes.fromhex(mac.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    return payload if hmac.compare_digest(given, hmac.new(key, payload, "sha256").digest()) else None


def unseal_view(key: bytes | None, data: bytes) -> memoryview | None:
    """:func:`unseal` without copying the payload: a view of ``data`` (a memo of tens of MB is
    checked and decoded in place)."""
    cut = data.find(b"\n")
    if key is None or cut < 0:
        return None
    try:
        given = bytes.fromhex(data[:cut].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    payload = memoryview(data)[cut + 1 :]
    return payload if hmac.compare_digest(given, hmac.new(key, payload, "sha256").digest()) else None


def _is_hits(value) -> bool:
    return type(value) is tuple and all(
        type(h) is tuple and len(h) == 3 and all(type(x) is str for x in h) for h in value
    )


def _valid_entry(rel, value) -> bool:
    return (
        type(rel) is str
        and type(value) is tuple
        and len(value) == 4
        and type(value[0]) is str
        and type(value[1]) is str
        and _is_hits(value[2])
        and type(value[3]) is bool
    )


def _valid_needles(value) -> bool:
    return _is_hits(value)  # (text, item, what)


class VerdictCache:
    """Per site path: (sha256 of the bytes, needle stamp, hits, unscanned) of the last audit."""

    def __init__(self, work: Path, config):
        self.path = Path(work) / "cache" / CACHE_FILE
        self.key = work_key(Path(work))
        self.old: dict[str, tuple] = {}
        self.needle_sets: dict[str, frozenset] = {}  # needle stamp → {(text, item, what)}
        self.new: dict[str, tuple] = {}
        # the withheld needles' inputs (pipeline.audit._cached_strings)
        self.old_candidates: dict[str, tuple] = {}  # item key → ((kind, text), …)
        self.new_candidates: dict[str, tuple] = {}
        self.searched: tuple = ()  # the candidates the public texts were searched for (sorted)
        self.public_empty: bytes = b""  # SHA-256 digests (32 bytes each) of public texts holding none
        self.public_found: dict[bytes, bytes] = {}  # digest → the candidates in that text (indices into searched)
        self.new_public: tuple | None = None  # (searched, empty digests, found) of this build
        self.reused = 0
        try:
            self.stamp: str | None = stamp(config)
        except Exception:  # noqa: BLE001 - what verdicts depend on is unknown: no cache at all
            self.stamp = None
        if self.stamp is None or self.key is None:
            return
        try:
            self._load()
        except (OSError, ValueError):  # fail closed: an unreadable, damaged, foreign or forged cache is an empty one
            self.old, self.needle_sets = {}, {}
            self.old_candidates, self.searched, self.public_empty, self.public_found = {}, (), b"", {}

    def _load(self) -> None:
        blob = self.path.read_bytes()
        if not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + _MAC:
            raise ValueError("not an audit cache")
        mac, payload = blob[len(_MAGIC) : len(_MAGIC) + _MAC], memoryview(blob)[len(_MAGIC) + _MAC :]
        if not hmac.compare_digest(mac, hmac.new(self.key, payload, hashlib.sha256).digest()):
            raise ValueError("audit cache not written with this work folder's key")
        data = cache_codec.loads(payload)
        if type(data) is not dict or data.get("stamp") != self.stamp:
            raise ValueError("audit cache of other code or configuration")
        entries, needle_sets, withheld = data.get("entries"), data.get("needles"), data.get("withheld")
        if type(entries) is not dict or type(needle_sets) is not dict:
            raise ValueError("audit cache without entries")
        sets = {}
        for name, rows in needle_sets.items():
            if type(name) is not str or not _valid_needles(rows) or needle_stamp(rows) != name:
                raise ValueError("bad needle set")
            sets[name] = frozenset(rows)
        old = {}
        for rel, value in entries.items():
            if not _valid_entry(rel, value) or value[1] not in sets:
                raise ValueError("bad entry")
            old[rel] = value
        if withheld is not None and not _valid_withheld(withheld):
            raise ValueError("bad withheld record")
        self.old, self.needle_sets = old, sets
        if withheld is not None:
            candidates, searched, empty, found = withheld
            self.old_candidates, self.searched = candidates, searched
            self.public_empty, self.public_found = empty, found

    # -- withheld needles' inputs --
    def candidates(self, key: str) -> tuple | None:
        """The candidates ((kind, text), …) recorded for the withheld item or file ``key``."""
        found = self.old_candidates.get(key)
        if found is not None:
            self.new_candidates[key] = found
        return found

    def put_candidates(self, key: str, found: tuple) -> None:
        self.new_candidates[key] = tuple(tuple(c) for c in found)

    def public_hits(self, texts: frozenset) -> tuple[tuple, dict[bytes, bytes]] | None:
        """The candidates the last build searched the public texts for (sorted) and, per public
        text (SHA-256 digest), the ones it contains (indices into them, 32-bit little-endian);
        None when one of ``texts`` was not searched for."""
        if not self.searched or not texts <= frozenset(self.searched):
            return None
        empty = self.public_empty
        known = dict.fromkeys((empty[i : i + 32] for i in range(0, len(empty), 32)), b"")
        known.update(self.public_found)
        return self.searched, known

    def put_public_hits(self, searched: tuple, hits: dict[bytes, bytes]) -> None:
        """This build's public texts: digest → the candidates of ``searched`` each contains."""
        empty = b"".join(digest for digest, found in hits.items() if not found)
        self.new_public = (searched, empty, {d: f for d, f in hits.items() if f})

    # -- verdicts --
    def verdict(self, rel: str, sha: str, needles_now: str, needle_rows: frozenset) -> tuple[tuple, bool] | None:
        """(hits, unscanned) judged before for these bytes at this path, valid for the needle
        set ``needle_rows`` (stamp ``needles_now``); None: read and scan the file."""
        entry = self.old.get(rel)
        if entry is None or entry[0] != sha:
            return None
        hits = entry[2]
        if entry[1] != needles_now:
            before = self.needle_sets.get(entry[1])
            if before is None or not needle_rows <= before:
                return None  # a needle it was not searched for
            hits = tuple(h for h in hits if h[0] != "withheld-text" or _still_withheld(h, needle_rows))
        self.reused += 1
        self.new[rel] = (sha, needles_now, hits, entry[3])
        return hits, entry[3]

    def put(self, rel: str, sha: str, needles_now: str, hits, unscanned: bool) -> None:
        self.new[rel] = (sha, needles_now, tuple(tuple(h) for h in hits), bool(unscanned))

    def save(self, needles_now: str, needle_rows: frozenset) -> None:
        """Write this audit's verdicts (files no longer in the site drop out).  A cache that
        cannot be written is left alone: the next audit reads what it cannot trust."""
        if self.stamp is None or self.key is None:
            return
        payload = cache_codec.dumps(
            {
                "stamp": self.stamp,
                "entries": self.new,
                "needles": {needles_now: tuple(sorted(needle_rows))},
                "withheld": (self.new_candidates, *self.new_public) if self.new_public is not None else None,
            }
        )
        mac = hmac.new(self.key, payload, hashlib.sha256).digest()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(_MAGIC + mac + payload)
            os.replace(tmp, self.path)
        except OSError:
            pass


def _still_withheld(hit, needle_rows: frozenset) -> bool:
    """Is the withheld-text ``hit`` (rule, needle text, description) one of a needle still in the set?"""
    _rule, text, what = hit
    return any(row[0] == text and f" {row[1]} 的{row[2]}" in what for row in needle_rows)


def _valid_withheld(value) -> bool:
    """(candidates by item key, candidates searched for, empty digests, found by digest)."""
    if type(value) is not tuple or len(value) != 4:
        return False
    candidates, searched, empty, found = value
    return (
        type(candidates) is dict
        and all(
            type(k) is str
            and type(v) is tuple
            and all(type(c) is tuple and len(c) == 2 and type(c[0]) is str and type(c[1]) is str for c in v)
            for k, v in candidates.items()
        )
        and type(searched) is tuple
        and all(type(t) is str for t in searched)
        and type(empty) is bytes
        and len(empty) % 32 == 0
        and type(found) is dict
        and all(type(d) is bytes and len(d) == 32 and type(f) is bytes and len(f) % 4 == 0 for d, f in found.items())
    )
