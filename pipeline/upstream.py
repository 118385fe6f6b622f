"""Upstream corpus (上级已发布信息): feeds of 商务部 and 省商务厅 read into SQLite.

Sources come from ``site_config/upstream.yaml`` (an RSS/Atom URL or a local file).  Each
feed is read by :mod:`pipeline.feeds`; entries (title, link, date and plain text) are stored
with their MinHash fingerprint in SQLite (default
``.portal/upstream.sqlite``).  Re-ingesting an entry is a no-op, keyed by its link or by the
hash of its normalised text.  A source that cannot be fetched or parsed is reported by name
with the reason; the other sources go on, and each source is written in its own
transaction, so nothing already stored is lost.  :func:`open_corpus` gives the dedup stage
(:mod:`pipeline.dedup_stage`) the stored fingerprints with an LSH index; opened read-only
(``portal check``, the reports) it never writes a byte to the file.  This module does not
judge items and does not print.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import xxhash

from pipeline import dedup
from pipeline.feeds import Entry, FeedError, fetch, parse_feed
from pipeline.config import Config, UpstreamConfig, UpstreamSource
from pipeline.findings import Finding, error, warning

DEFAULT_DB = Path(".portal") / "upstream.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,          -- source id in upstream.yaml
    source_name TEXT NOT NULL,     -- 商务部网站 …, as it was when ingested
    level TEXT NOT NULL,           -- 商务部 | 省商务厅 …
    link TEXT UNIQUE,              -- NULL when the feed gives none
    title TEXT NOT NULL,
    published TEXT,                -- ISO 8601, UTC
    text TEXT NOT NULL,            -- plain text, HTML stripped
    content_hash TEXT NOT NULL UNIQUE,  -- xxh3-128 of the normalised title + text
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fingerprints (
    entry_id INTEGER PRIMARY KEY REFERENCES entries(id),
    params TEXT NOT NULL,          -- scheme/shingle/num_perm/seed the signature was made with
    signature BLOB NOT NULL        -- num_perm little-endian uint32
);
"""


@dataclass(frozen=True)
class SourceReport:
    source: str  # id
    name: str
    added: int = 0
    skipped: int = 0  # already stored (same link or same text)
    error: str | None = None  # why the source could not be read (nothing stored from it)
    database_failed: bool = False  # the error was the database's, not the source's
    note: str | None = None  # a recoverable problem (feed partly malformed)


@dataclass(frozen=True)
class SourceStats:
    source: str
    name: str
    level: str
    entries: int
    newest: str | None


# -- the store ---------------------------------------------------------------------------


def params_key(settings: UpstreamConfig) -> str:
    """What a stored signature was made with; a signature of another scheme is recomputed."""
    return f"{dedup.SIGNATURE_SCHEME}/{settings.shingle}/{settings.num_perm}/{settings.seed}"


class Store:
    """The SQLite file of upstream entries and fingerprints (``":memory:"`` for none)."""

    def __init__(self, path: Path | str, read_only: bool = False):
        """``read_only``: open an existing file without writing a byte to it (``portal
        check`` and the other reports); a file that is not this database raises
        :class:`sqlite3.Error` here, not at the first query."""
        self.path = path
        if read_only:
            self.db = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        else:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path))
        try:
            if not read_only:
                self.db.executescript(SCHEMA)
            self._check_schema()
        except BaseException:
            self.db.close()
            raise

    def _check_schema(self) -> None:
        """A file that is an SQLite database but not this one (other tables or columns) is refused."""
        for table, wanted in (
            ("entries", {"id", "source", "source_name", "level", "link", "title", "published", "text", "content_hash"}),
            ("fingerprints", {"entry_id", "params", "signature"}),
        ):
            columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}  # noqa: S608 - fixed names
            if not wanted <= columns:
                raise sqlite3.DatabaseError(
                    f"不是上级信息数据库（表 {table} 缺少 {'、'.join(sorted(wanted - columns))}）"
                )

    def close(self) -> None:
        self.db.close()

    def add(self, source: UpstreamSource, entries: Sequence[Entry], settings: UpstreamConfig) -> tuple[int, int]:
        """Store new entries of one source in one transaction; (added, skipped)."""
        hasher = dedup.MinHasher(settings.num_perm, settings.seed)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        added = 0
        with self.db:
            rows = []
            for e in entries:
                norm = dedup.normalize(f"{e.title}\n{e.text}")
                if not norm:
                    continue
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO entries (source, source_name, level, link, title, published, text,"
                    " content_hash, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        source.id,
                        source.name,
                        source.level,
                        e.link,
                        e.title,
                        e.published,
                        e.text,
                        xxhash.xxh3_128_hexdigest(norm.encode("utf-8")),
                        now,
                    ),
                )
                if cur.rowcount:
                    rows.append((cur.lastrowid, norm))
            prints = dedup.fingerprint_normalized([n for _, n in rows], settings.shingle, hasher)
            self.db.executemany(
                "INSERT INTO fingerprints (entry_id, params, signature) VALUES (?, ?, ?)",
                [(rid, params_key(settings), dedup.signature_bytes(p.signature)) for (rid, _), p in zip(rows, prints)],
            )
            added = len(rows)
        return added, len(entries) - added

    def refresh_fingerprints(self, settings: UpstreamConfig) -> int:
        """Recompute fingerprints made with other parameters (after a config change)."""
        key = params_key(settings)
        stale = self.db.execute(
            "SELECT e.id, e.title, e.text FROM entries e LEFT JOIN fingerprints f ON f.entry_id = e.id"
            " WHERE f.params IS NULL OR f.params != ?",
            (key,),
        ).fetchall()
        if stale:
            prints = dedup.fingerprint_texts(
                [f"{t}\n{x}" for _, t, x in stale], settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed)
            )
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO fingerprints (entry_id, params, signature) VALUES (?, ?, ?)",
                    [(rid, key, dedup.signature_bytes(p.signature)) for (rid, _, _), p in zip(stale, prints)],
                )
        return len(stale)

    def stats(self) -> tuple[SourceStats, ...]:
        rows = self.db.execute(
            "SELECT source, source_name, level, COUNT(*), MAX(published) FROM entries GROUP BY source ORDER BY source"
        ).fetchall()
        return tuple(SourceStats(*row) for row in rows)

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]


def ingest(
    store: Store, config: Config, only: Iterable[str] = (), local_only: bool = False
) -> tuple[SourceReport, ...]:
    """Read every configured source (or those named in ``only``) into ``store``."""
    settings = config.upstream
    root = config.root.parent
    wanted = list(only) or [s.id for s in settings.sources]
    reports = []
    for source_id in wanted:
        source = settings.source(source_id)
        if source is None:
            known = "、".join(s.id for s in settings.sources) or "（无）"
            reports.append(SourceReport(source_id, source_id, error=f"upstream.yaml 中没有这个信息源（可用：{known}）"))
            continue
        if local_only and source.is_remote:
            continue
        try:
            entries, note = parse_feed(fetch(source, root))
            added, skipped = store.add(source, entries, settings)
        except FeedError as exc:
            reports.append(SourceReport(source.id, source.name, error=str(exc)))
            continue
        except sqlite3.Error as exc:
            reports.append(SourceReport(source.id, source.name, error=f"写入数据库失败：{exc}", database_failed=True))
            continue
        reports.append(SourceReport(source.id, source.name, added, skipped, note=note))
    return tuple(reports)


# -- the corpus the dedup stage queries ----------------------------------------------------


@dataclass(frozen=True)
class StoredEntry:
    link: str
    source: str  # source name
    level: str
    title: str
    shingles: np.ndarray


class Corpus:
    """Stored fingerprints with an LSH index; entry texts are read only for candidates."""

    def __init__(self, store: Store, settings: UpstreamConfig):
        self.store, self.settings = store, settings
        key = params_key(settings)
        total = store.db.execute("SELECT COUNT(*) FROM fingerprints WHERE params = ?", (key,)).fetchone()[0]
        self.ids = np.empty(total, dtype=np.int64)
        self.signatures = np.empty((total, settings.num_perm), dtype=np.uint32)
        cursor = store.db.execute(
            "SELECT entry_id, signature FROM fingerprints WHERE params = ? ORDER BY entry_id", (key,)
        )
        n = 0
        while chunk := cursor.fetchmany(50_000):  # filled in place: no second copy of a big corpus
            self.ids[n : n + len(chunk)] = [r[0] for r in chunk]
            self.signatures[n : n + len(chunk)] = dedup.signatures_from_bytes((r[1] for r in chunk), settings.num_perm)
            n += len(chunk)
        bands, rws = dedup.lsh_params(settings.lsh_threshold, settings.num_perm)
        self.index = dedup.LSHIndex(self.signatures, bands, rws)
        self._cache: dict[int, StoredEntry] = {}

    @property
    def size(self) -> int:
        return len(self.ids)

    def entries(self, rows: np.ndarray) -> list[StoredEntry]:
        ids = [int(self.ids[r]) for r in rows]
        missing = [i for i in ids if i not in self._cache]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rid, link, name, level, title, text in self.store.db.execute(
                f"SELECT id, link, source_name, level, title, text FROM entries WHERE id IN ({marks})",
                chunk,  # noqa: S608 - placeholders only
            ):
                norm = dedup.normalize(f"{title}\n{text}")
                self._cache[rid] = StoredEntry(
                    link or "", name, level, title, dedup.shingles(norm, self.settings.shingle)
                )
        return [self._cache[i] for i in ids if i in self._cache]


def open_corpus(
    db_path: Path | None, config: Config, read_only: bool = False
) -> tuple[Corpus | None, tuple[Finding, ...]]:
    """The upstream corpus for a build or check, or None and the error findings that say why
    there is none (the build then fails: reposts are never published unchecked).

    ``db_path`` None → an in-memory corpus of the local-file sources (no file written).
    Local-file sources (the demo snapshot) are ingested on every run — cheap, and a no-op
    for stored entries — so a missing database is created and the demo works offline;
    remote sources are read only by ``portal upstream ingest``.  ``read_only`` (``portal
    check`` and the reports): the file is opened read-only and never written; when the
    local-file sources have entries it lacks (or its fingerprints are of another scheme),
    it is copied into memory and completed there.  A local-file source that cannot be read
    is a warning (``upstream-source``), as is a remote source that was never ingested."""
    settings = config.upstream
    if not settings.sources and (db_path is None or not Path(db_path).exists()):
        return None, ()
    store = None
    try:
        if db_path is not None and read_only and Path(db_path).exists():
            store, findings = _read_only_corpus_store(db_path, config)
        else:
            store = Store(":memory:" if db_path is None or read_only else db_path)
            findings = _ingest_local(store, config)
        store.refresh_fingerprints(settings)
        return Corpus(store, settings), findings + _empty_sources(store, config, findings)
    except Exception as exc:  # noqa: BLE001 - fail closed: any failure of the database is "unavailable"
        if store is not None:
            store.close()
        return None, (unavailable(db_path, exc),)


def unavailable(db_path: Path | None, exc: BaseException) -> Finding:
    reason = str(exc) if isinstance(exc, sqlite3.Error) else f"{type(exc).__name__}: {exc}"
    return error(
        str(db_path or "upstream"),
        "upstream-unavailable",
        f"上级信息数据库无法使用（{reason}），无法做上级查重。"
        "可删除该文件后重新运行 portal upstream ingest，或检查是否有其他进程正在写它",
    )


def _ingest_local(store: Store, config: Config) -> tuple[Finding, ...]:
    findings = []
    for report in ingest(store, config, local_only=True):
        if report.database_failed:  # the database is unusable, not the source: fail closed
            raise sqlite3.DatabaseError(report.error)
        if report.error:
            findings.append(
                warning(
                    f"site_config/upstream.yaml#{report.source}",
                    "upstream-source",
                    f"上级信息源 “{report.name}” 未能读入：{report.error}",
                    None,
                    upstream_source=report.name,
                )
            )
    return tuple(findings)


def _empty_sources(store: Store, config: Config, reported: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """A warning for each configured source with nothing stored (a remote feed never ingested):
    items are not compared with it, and the editor should know."""
    counts = dict(store.db.execute("SELECT source, COUNT(*) FROM entries GROUP BY source").fetchall())
    named = {dict(f.extra).get("upstream_source") for f in reported}
    return tuple(
        warning(
            f"site_config/upstream.yaml#{s.id}",
            "upstream-source",
            f"上级信息源 “{s.name}” 在数据库中没有任何条目，本次未与它比对；请先运行 portal upstream ingest {s.id}",
            None,
            upstream_source=s.name,
        )
        for s in config.upstream.sources
        if not counts.get(s.id) and s.name not in named
    )


def _read_only_corpus_store(db_path: Path, config: Config) -> tuple[Store, tuple[Finding, ...]]:
    """The database file opened read-only — or, when the local-file sources hold entries it
    has not got or its fingerprints are stale, an in-memory copy completed with them."""
    disk = Store(db_path, read_only=True)
    try:
        local = Store(":memory:")
        findings = _ingest_local(local, config)
        hashes = [row[0] for row in local.db.execute("SELECT content_hash FROM entries")]
        local.close()
        have = 0
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT COUNT(*) FROM entries WHERE content_hash IN ({marks})"  # noqa: S608 - placeholders only
            have += disk.db.execute(query, chunk).fetchone()[0]
        stale = disk.db.execute(
            "SELECT COUNT(*) FROM entries e LEFT JOIN fingerprints f ON f.entry_id = e.id"
            " WHERE f.params IS NULL OR f.params != ?",
            (params_key(config.upstream),),
        ).fetchone()[0]
        if have == len(hashes) and not stale:
            return disk, findings
        memory = Store(":memory:")
        disk.db.backup(memory.db)
        disk.close()
        ingest(memory, config, local_only=True)
        return memory, findings
    except BaseException:
        disk.close()
        raise
