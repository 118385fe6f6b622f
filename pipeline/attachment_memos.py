"""What the attachment stage (:func:`pipeline.attachments.attach`) remembers between builds, and
its per-file scan on every core — applied by the runner (:func:`pipeline.publication.run`), so
the stage itself knows nothing of caches or processes.

Two JSON files in ``<work>/cache/``: ``attachments.json`` (each file's :class:`Verdict` by
SHA-256 and extension) and ``attachment-urls.json`` (the URLs of an item's or page's text, by the
SHA-256 of everything they depend on: rendering Markdown is most of a warm run's cost).  Each is
stamped with code, configuration and library versions (:func:`pipeline.memo.stamp`) and sealed
with the work folder's key like every memo (:func:`pipeline.audit_cache.seal`): a damaged, foreign
or planted file — a forged "clean" verdict, a URL list that hides a withheld item's file — is
ignored (and rewritten), an entry of the wrong shape is a miss, a failed check is never stored.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from pipeline import audit_cache, memo, parallel
from pipeline.attachments import Owner, Verdict
from pipeline.config import Config
from pipeline.rendered import MarkdownSettings
from pipeline.stage_memos import LOAD_SOURCES


class JsonCache:
    """Entries by key, as JSON, stamped with code, configuration and library versions; a
    damaged or foreign file is ignored (and rewritten), an entry of the wrong shape is a miss."""

    KIND = "attachments"
    # every module of pipeline/ that reading and judging a file runs (tests/test_redteam_gate2.py
    # checks it against the imports): a fix to any of them re-judges every file
    SOURCES = (
        "attachment_base.py",
        "attachment_text.py",
        "attachment_pdf.py",
        "image_meta.py",
        "attachments.py",
        "scanners.py",
        "rendered.py",
        "cpu_limit.py",
        "findings.py",
        "config",
    )
    PACKAGES = ("python-docx", "openpyxl", "pypdf", "lxml", "pyahocorasick")

    def __init__(self, path: Path | None, config: Config):
        self.path = path
        self.old: dict = {}
        self.new: dict = {}
        self.stamp: str | None = None
        self.seal_key = audit_cache.cache_key(Path(path).parent) if path is not None else None
        if self.seal_key is None:  # no key to seal with: nothing remembered
            return
        try:
            self.stamp = memo.stamp(self.KIND, self.SOURCES, self.PACKAGES, config)
            payload = audit_cache.unseal(self.seal_key, Path(path).read_bytes())
            if payload is None:  # not sealed with this work folder's key
                return
            data = json.loads(payload.decode("utf-8"))
            if type(data) is dict and data.get("stamp") == self.stamp and type(data.get("entries")) is dict:
                self.old = data["entries"]
        except Exception:  # noqa: BLE001 - fail closed: an unreadable cache is an empty one
            self.old = {}

    def get_raw(self, key: str):
        if self.stamp is None or key not in self.old:
            return None
        self.new[key] = self.old[key]
        return self.old[key]

    def put_raw(self, key: str, value) -> None:
        if self.stamp is not None:
            self.new[key] = value

    def save(self) -> None:
        if self.stamp is None or self.path is None or self.new == self.old:
            return
        payload = json.dumps({"stamp": self.stamp, "entries": self.new}, ensure_ascii=False).encode("utf-8")
        memo.write_atomic(Path(self.path), audit_cache.seal(self.seal_key, payload))


class VerdictCache(JsonCache):
    """Verdicts by (SHA-256, extension)."""

    def get(self, key: str) -> Verdict | None:
        raw = self.get_raw(key)
        if raw is None:
            return None
        try:
            return Verdict.from_json(raw)
        except Exception:  # noqa: BLE001
            self.new.pop(key, None)
            return None

    def put(self, key: str, verdict: Verdict) -> None:
        self.put_raw(key, verdict.to_json())


class UrlCache(JsonCache):
    """The URLs of an item's or page's text (rendering Markdown is most of a warm run's cost),
    by the SHA-256 of everything they depend on — for an item, of its file (path and SHA-256 of
    its bytes, which decide its texts: the loader's code is in the stamp), so that an unchanged
    item's texts are not hashed again."""

    KIND = "attachment-urls"
    SOURCES = ("attachments.py", "rendered.py") + LOAD_SOURCES
    PACKAGES = ("Markdown", "pymdown-extensions", "PyYAML", "python-frontmatter")

    @staticmethod
    def key(owner: Owner, settings: MarkdownSettings, base: hashlib._Hash | None = None) -> str:
        """The SHA-256 of the owner's texts and references and the Markdown settings, each part
        with its length (``base``: :meth:`base` of ``settings``, when the caller has it)."""
        digest = (base or UrlCache.base(settings)).copy()
        parts = [json.dumps([owner.hrefs, owner.raw_only], ensure_ascii=False), *owner.texts]
        for part in parts:
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little") + data)
        return digest.hexdigest()

    @staticmethod
    def base(settings: MarkdownSettings) -> hashlib._Hash:
        """The part of every key that the Markdown settings make (worked out once per run)."""
        material = json.dumps([settings.extensions, settings.configs_json], ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8", "surrogatepass") + b"\0")

    @staticmethod
    def file_key(path: str, content_hash: str, base: hashlib._Hash) -> str:
        """The key of an item's URLs by its file: its path, the SHA-256 of its bytes and the
        Markdown settings (``base``: :meth:`base`)."""
        material = f"item-file\0{base.hexdigest()}\0{path}\0{content_hash}"
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()

    def urls(
        self,
        owner: Owner,
        settings: MarkdownSettings,
        compute: Callable[[Owner], list[str]],
        base: hashlib._Hash | None = None,
        content_hash: str | None = None,
    ) -> list[str]:
        """``content_hash``: the SHA-256 of the file of the item ``owner`` is made from (None:
        keyed by its texts)."""
        if content_hash and not owner.raw_only:
            key = self.file_key(owner.path, content_hash, base or UrlCache.base(settings))
        else:
            key = self.key(owner, settings, base)
        raw = self.get_raw(key)
        if type(raw) is list and all(type(u) is str for u in raw):
            return raw
        urls = compute(owner)
        self.put_raw(key, urls)
        return urls


def urls_of(cache_dir: Path | None, config: Config, settings: MarkdownSettings, files: dict[str, str] | None = None):
    """:func:`pipeline.attachments.attach`'s ``urls_of``, remembering in ``cache_dir``;
    ``files``: item path → the SHA-256 of its file, for the owners made from those items."""
    files = files or {}

    def run(owners: list[Owner], compute: Callable[[Owner], list[str]]) -> list[list[str]]:
        cache = UrlCache(Path(cache_dir) / "attachment-urls.json" if cache_dir is not None else None, config)
        base = UrlCache.base(settings)
        found = [cache.urls(o, settings, compute, base, files.get(o.path)) for o in owners]
        try:
            cache.save()
        except OSError:
            pass  # a cache that cannot be written is only slower next time
        return found

    return run


def verdicts_of(cache_dir: Path | None, config: Config, jobs: int | None):
    """:func:`pipeline.attachments.attach`'s ``verdicts_of``: known verdicts from ``cache_dir``,
    the others scanned on every core."""

    def run(keys: list[str], scan: Callable[[str], Verdict]) -> dict[str, Verdict]:
        cache = VerdictCache(Path(cache_dir) / "attachments.json" if cache_dir is not None else None, config)
        out: dict[str, Verdict] = {}
        todo = []
        for key in keys:
            cached = cache.get(key) if not key.startswith("empty") else None
            if cached is not None:
                out[key] = cached
            else:
                todo.append(key)
        for key, verdict in zip(todo, parallel.map_ordered(scan, todo, jobs, min_tasks=64)):
            out[key] = verdict
            if verdict.failed is None and not key.startswith("empty"):
                cache.put(key, verdict)
        try:
            cache.save()
        except OSError:
            pass  # a cache that cannot be written is only slower next time
        return out

    return run
