"""Content-hash cache of the load stage, so a rebuild re-parses only the files that changed.

What is cached is exactly what :func:`pipeline.load.load_item` returns for one file — an
:class:`Item` or the finding that rejected it — keyed by the file's path and the SHA-256
of its bytes.  The whole cache is dropped when anything else that result depends on
changes: the loader's and the item model's source code, every file of the configuration
folder, and the versions of Python, PyYAML and python-frontmatter (the stamp of
:func:`pipeline.stage_cache.stamp`, which every cache uses).  The gates always run
on the loaded items; only their per-item check results and dedup fingerprints are memoised,
with their own stamps (:mod:`pipeline.stage_cache`).  The cache lives in the
private work folder (``.portal/cache/``); deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from pipeline.config import Config
from pipeline.findings import Finding
from pipeline.model import Item
from pipeline.stage_cache import LOAD_SOURCES, write_atomic, stamp


def load_stamp(config: Config) -> str:
    """Everything besides a file's own bytes that decides what loading it yields."""
    return stamp("load", LOAD_SOURCES + ("load_cache.py",), ("PyYAML", "python-frontmatter"), config)


class LoadCache:
    def __init__(self, path: Path, config: Config):
        self.path = path
        self.stamp = load_stamp(config)
        self.old: dict = {}
        self.new: dict = {}
        self.hits = 0
        try:
            with path.open("rb") as fh:
                data = pickle.load(fh)  # noqa: S301 - our own file in the private work folder
            if isinstance(data, dict) and data.get("stamp") == self.stamp and isinstance(data.get("entries"), dict):
                self.old = data["entries"]
        except Exception:  # noqa: BLE001 - fail closed: an unreadable cache is an empty one
            self.old = {}

    @staticmethod
    def key(rel: str, data: bytes) -> tuple[str, str]:
        return (rel, hashlib.sha256(data).hexdigest())

    def get(self, key: tuple[str, str]):
        """The cached result for this path and content, or None."""
        found = self.old.get(key)
        if found is not None and type(found) not in (Item, Finding):
            found = None  # not something the loader makes: parse again
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
        write_atomic(self.path, pickle.dumps({"stamp": self.stamp, "entries": self.new}, protocol=pickle.HIGHEST_PROTOCOL))
