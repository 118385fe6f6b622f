"""Content-hash cache of the load stage, so a rebuild re-parses only the files that changed.

What is cached is exactly what :func:`pipeline.load.load_item` returns for one file — an
:class:`Item` or the finding that rejected it — keyed by the file's path and the SHA-256
of its bytes.  The whole cache is dropped when anything else that result depends on
changes: the loader's and the item model's source code, every file of the configuration
folder, and the versions of Python, PyYAML and python-frontmatter (the stamp of
:func:`pipeline.stage_cache.stamp`, which every cache uses).  The gates always run
on the loaded items; only their per-item check results and dedup fingerprints are memoised,
with their own stamps (:mod:`pipeline.stage_cache`).  The cache lives in the
private work folder (``.portal/cache/load.msgpack``, :mod:`pipeline.cache_codec`, never pickle); deleting it is always safe.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline import cache_codec
from pipeline.config import Config
from pipeline.findings import Finding
from pipeline.model import Attachment, ChangeNote, Item
from pipeline.stage_cache import LOAD_SOURCES, stamp, write_atomic

RECORDS = (Item, Attachment, ChangeNote, Finding)


def load_stamp(config: Config) -> str:
    """Everything besides a file's own bytes that decides what loading it yields."""
    return stamp("load", LOAD_SOURCES + ("load_cache.py", "cache_codec.py"), ("PyYAML", "python-frontmatter"), config)


class LoadCache:
    def __init__(self, path: Path, config: Config):
        self.path = path
        self.stamp = load_stamp(config)
        self.old: dict = {}
        self.new: dict = {}
        self.hits = 0
        try:
            data = cache_codec.loads(path.read_bytes(), RECORDS)  # never pickle: a planted file runs no code
            if type(data) is dict and data.get("stamp") == self.stamp and type(data.get("entries")) is dict:
                self.old = data["entries"]
        except (OSError, ValueError):  # fail closed: an unreadable, damaged or foreign cache is an empty one
            self.old = {}

    @staticmethod
    def key(rel: str, data: bytes) -> tuple[str, str]:
        return (rel, hashlib.sha256(data).hexdigest())

    def get(self, key: tuple[str, str]):
        """The cached result for this path and content, or None."""
        found = self.old.get(key)
        if found is not None and not _belongs(found, key):
            found = None  # not something the loader makes for this file: parse again
        if found is not None:
            self.hits += 1
            self.new[key] = found
        return found

    def put(self, key: tuple[str, str], result) -> None:
        self.new[key] = result

    def save(self) -> None:
        """Keep only the entries of this run (removed files drop out); nothing to write when
        every entry came from the file and none dropped out."""
        if self.hits == len(self.new) and self.new.keys() == self.old.keys():
            return
        try:
            data = cache_codec.dumps({"stamp": self.stamp, "entries": self.new}, RECORDS)
        except (TypeError, ValueError):  # a value the codec does not know: no cache, only time lost
            return
        write_atomic(self.path, data)


def _belongs(found, key) -> bool:
    """An item or finding of exactly this file (path and, for an item, content hash)."""
    if type(found) is Item:
        return found.path == key[0] and found.content_hash == key[1]
    return type(found) is Finding and found.path == key[0]
