"""One memo mechanism for the pipeline's stages: results of pure work by content hash.

A stage is a pure function; the work inside it that is worth remembering is a pure function
of one input — an item file's bytes (load), an item (the gate's scans), a text (dedup
fingerprints), the 索引号 ledger's text.  :meth:`Memo.map` applies such a function to many
inputs the way ``[func(x) for x in inputs]`` does: the results known from the last run are
taken from the memo file, the others are computed (by up to ``jobs`` processes,
:mod:`pipeline.parallel`) and remembered.  :func:`pipeline.publication.run` is the one place
that does this; no stage module imports this one, and the results are the same with or
without a memo.

Each memo is one file in the private cache folder (``<work>/cache/<name>.msgpack``, never
under site/), keyed by content (a path and the SHA-256 of its bytes, or the SHA-256 of a
text).  The file carries a stamp of everything else its entries depend on — the source code
of the modules involved, every file of the configuration folder, the loaded configuration
itself and the versions of Python and the libraries — and is dropped whole when the stamp
differs.  It fails closed: a file that cannot be read, is not msgpack of the expected
records (:mod:`pipeline.cache_codec`, never pickle: a planted file runs no code), was
written by other code, or has an entry its :attr:`Spec.check` refuses (the wrong shape,
findings of another file …) is a miss, and the work is simply done again.  A memo that
cannot be written only costs time next run; deleting the folder is always safe.

The stamp is no secret — anyone can work it out from the code — and an entry that passes its
check can still lie (a gate scan "clean" for this very file, an item record with other
fields): every memo file is therefore sealed with the work folder's key
(:func:`pipeline.audit_cache.seal`, the key of :func:`pipeline.audit_cache.cache_key`, kept
outside the cache folder), and a file without this key's MAC — planted into a restored CI
cache, or copied from another work folder — is not read.  Without a key there is no memo.

A run that changed a few entries does not rewrite the whole file: it writes what it added and
the keys that dropped out to a delta file beside it (``<name>.delta-<n>.msgpack``, same format
and stamp), which the next run reads after the base file, in order.  When the deltas hold more
than about an eighth of the entries (or there are :data:`MAX_DELTAS` of them) the run writes
the base file whole again and removes them.  Every file is written atomically and read on its
own: an entry depends only on its key and the stamp, so any set of readable files with this
stamp is sound — a damaged, truncated or foreign delta is skipped (its entries are misses), and
one left by a build killed between rewriting the base and removing the deltas holds only entries
that are still right for their keys (a dropped key only costs a miss).
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Sequence

from pipeline import audit_cache, cache_codec, parallel
from pipeline.publish import write_atomic  # the one atomic file write (attachments uses it from here)

FORMAT = 2
HERE = Path(__file__).resolve().parent
# modules every memo's entries depend on: this one and the file format
MEMO_SOURCES = ("memo.py", "cache_codec.py")
MAX_DELTAS = 16  # delta files beside a memo before it is written whole again


def stamp(kind: str, sources: Iterable[str], packages: Iterable[str], config: Any | None, extra: str = "") -> str:
    """A digest of everything besides an entry's own key that its value depends on: the
    code of ``sources`` (modules and packages of pipeline/), the versions of ``packages``, the configuration
    (as loaded, and every file of its folder) and ``extra``."""
    digest = hashlib.sha256(f"{kind}|{FORMAT}|{sys.version}|{extra}".encode())
    for source in sources:
        for file in _source_files(source):
            digest.update(file.relative_to(HERE).as_posix().encode() + b"\0" + file.read_bytes())
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


@contextmanager
def collector_paused(freeze: bool = True):
    """Python's cyclic garbage collector off while a memo file is decoded: the decoded entries
    are hundreds of thousands of new objects without cycles (tuples, strings, records), and each
    collection the allocations set off would walk them all again (a third of reading the memos
    at 10k items).  Only decoding, keys and entry checks run meanwhile, which make no cycles.
    What was made is then moved out of the collector's generations (``gc.freeze``: the entries
    live as long as the run) until :func:`collector_thawed` ends: without it the first young
    collection after decoding walks every decoded object, and each later full one again
    (~0.3 s a build at 10k items).  ``freeze=False``: not moved (what was made may be gone
    before the run ends, or no :func:`collector_thawed` is around)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if freeze:
                gc.freeze()
            gc.enable()


_thaw_depth = 0


@contextmanager
def collector_thawed():
    """Around a run that uses memos (:func:`pipeline.publication.run`, a whole build): every
    object the memos froze goes back to the collector's oldest generation when the outermost
    one ends, so that a process that runs many (tests, a server) never keeps a cycle of garbage
    frozen; a full collection then walks them once, as it would have."""
    global _thaw_depth
    _thaw_depth += 1
    try:
        yield
    finally:
        _thaw_depth -= 1
        if _thaw_depth == 0:
            gc.unfreeze()


def _source_files(source: str) -> list[Path]:
    """The files of a module of pipeline/ (``x.py``) or of a package (``x``: every ``.py`` in
    it); one that is not there raises (no stamp, no memo)."""
    path = HERE / source
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    if not path.is_file():
        raise FileNotFoundError(path)
    return [path]


def sha256(data: bytes | str) -> str:
    """The hex SHA-256 of bytes, or of a text's UTF-8."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def _accept(key: Any, value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Spec:
    """What one memo remembers and what its entries depend on.

    ``check(key, stored)`` turns a stored value back into a result, or raises ``ValueError``
    / ``TypeError`` when the entry is not one this code would have written for this key (the
    entry is then a miss); ``store(result)`` is what is written (default: the result itself,
    which :mod:`pipeline.cache_codec` must be able to store with ``records``)."""

    name: str  # the file: <cache>/<name>.msgpack
    sources: tuple[str, ...]  # pipeline/ modules whose code decides a result
    packages: tuple[str, ...] = ()  # libraries whose version decides a result
    records: tuple[type, ...] = ()  # the frozen dataclasses a stored value may contain
    check: Callable[[Any, Any], Any] = _accept
    store: Callable[[Any], Any] | None = None
    uses_config: bool = True  # results depend on the configuration


class Memo:
    """The remembered results of one :class:`Spec` (``Memo.off()``: none, nothing written)."""

    def __init__(self, path: Path | None, spec: Spec, config: Any = None, extra: str = "", *, key: bytes | None = None):
        """``extra``: anything else the results depend on (as text), part of the stamp; ``key``:
        what the files are sealed with (None: no memo, nothing read or written)."""
        self.path = Path(path) if path is not None and key is not None else None
        self.key = key
        self.spec = spec
        self.old: dict = {}
        self.new: dict = {}
        self.hits = 0
        self.dirty = False
        self.added: set = set()  # keys put in this run
        self.deltas: list[int] = []  # numbers of the delta files found beside the memo
        self.delta_entries = 0  # entries and dropped keys those deltas hold
        self.complete = False
        self.stamp: str | None = None
        if self.path is None:
            return
        try:
            self.stamp = stamp(
                spec.name,
                spec.sources + MEMO_SOURCES,
                spec.packages,
                config if spec.uses_config else None,
                extra,
            )
        except Exception:  # noqa: BLE001 - what the entries depend on is unknown: no memo at all
            return
        with collector_paused():
            self.old = self._read(self.path)
            self.complete = self.old is not None  # the base file is this stamp's: deltas may follow it
            if self.old is None:
                self.old = {}
            for number, delta in self._deltas():
                self.deltas.append(number)
                changes = self._read(delta, with_dropped=True)
                if changes is not None and self.complete:
                    entries, dropped = changes
                    self.delta_entries += len(entries) + len(dropped)
                    for k in dropped:
                        self.old.pop(k, None)
                    self.old.update(entries)

    def _read(self, path: Path, with_dropped: bool = False):
        """The entries of one memo file of this stamp (and, for a delta, the keys it drops);
        None for a file that is missing, damaged, foreign or of another stamp (fail closed)."""
        try:
            payload = audit_cache.unseal_view(self.key, path.read_bytes())
            if payload is None:  # not sealed with this work folder's key: planted, copied or damaged
                return None
            data = cache_codec.loads(payload, self.spec.records)  # never pickle
        except (OSError, ValueError):
            return None
        if type(data) is not dict or data.get("stamp") != self.stamp or type(data.get("entries")) is not dict:
            return None
        if not with_dropped:
            return data["entries"]
        dropped = data.get("dropped")
        return (data["entries"], dropped) if type(dropped) is tuple else None

    def _deltas(self) -> list[tuple[int, Path]]:
        """The delta files beside the memo, oldest first."""
        pattern = re.compile(re.escape(self.path.stem) + r"\.delta-([0-9]{1,9})\.msgpack")
        try:
            names = os.listdir(self.path.parent)
        except OSError:
            return []
        found = [(int(m.group(1)), self.path.parent / name) for name in names if (m := pattern.fullmatch(name))]
        return sorted(found)

    @classmethod
    def off(cls) -> Memo:
        return cls(None, Spec("off", ()))

    @property
    def on(self) -> bool:
        return self.stamp is not None

    def get(self, key: Hashable | None) -> Any | None:
        """The remembered result for ``key``, or None (never remembered, or an entry :attr:`Spec.check` refuses)."""
        if key is None or self.stamp is None:
            return None
        stored = self.new.get(key)
        if stored is None:
            stored = self.old.get(key)
        if stored is None:
            return None
        try:
            found = self.spec.check(key, stored)
        except (ValueError, TypeError, KeyError, IndexError):  # fail closed: not trusted, done again
            return None
        if found is None:
            return None
        self.hits += 1
        self.new[key] = stored
        return found

    def put(self, key: Hashable | None, result: Any) -> None:
        if key is not None and self.stamp is not None:
            self.new[key] = self.spec.store(result) if self.spec.store is not None else result
            self.added.add(key)
            self.dirty = True

    def map(
        self,
        func: Callable,
        tasks: Sequence,
        key: Callable[[Any], Hashable | None],
        jobs: int | None = None,
        *,
        keep: Callable[[Any], bool] | None = None,
        batched: bool = False,
    ) -> list:
        """``[func(t) for t in tasks]`` (``batched``: ``func(tasks)``, one result per task):
        results of known keys from the memo, the rest computed once per distinct key by up to
        ``jobs`` processes and remembered when ``keep(result)`` (default: always).  ``key(t)``
        is the task's content key (None: never remembered); it is not asked for when the memo is off."""
        if self.stamp is None:
            return parallel.map_ordered(func, tasks, jobs, batched=batched)
        with collector_paused():  # keys and remembered results: new objects without cycles
            keys = [key(t) for t in tasks]
            out: list = [self.get(k) for k in keys]
        todo: dict = {}  # key → positions; a task without a key is its own
        for n, (k, found) in enumerate(zip(keys, out)):
            if found is None:
                todo.setdefault(k if k is not None else ("no key", n), []).append(n)
        if todo:
            firsts = [positions[0] for positions in todo.values()]
            made = parallel.map_ordered(func, [tasks[n] for n in firsts], jobs, batched=batched)
            for positions, result in zip(todo.values(), made):
                for n in positions:
                    out[n] = result
                if keep is None or keep(result):
                    self.put(keys[positions[0]], result)
        return out

    def save(self) -> None:
        """Keep only the entries of this run (what went away drops out); nothing is written
        when every entry came from the files and none dropped out.  A few changes go to a new
        delta file; many (or a base file of another stamp) rewrite the base file and remove the
        deltas.  A memo that cannot be written only costs time on the next run."""
        if self.stamp is None or self.path is None or (not self.dirty and self.new.keys() == self.old.keys()):
            return
        added = {k: self.new[k] for k in self.added if k in self.new}
        dropped = tuple(k for k in self.old if k not in self.new)
        changes = len(added) + len(dropped)
        try:
            if self.complete and len(self.deltas) < MAX_DELTAS and self.delta_entries + changes <= len(self.new) // 8:
                number = (self.deltas[-1] if self.deltas else 0) + 1
                delta = self.path.with_name(f"{self.path.stem}.delta-{number}.msgpack")
                payload = {"stamp": self.stamp, "entries": added, "dropped": dropped}
                write_atomic(delta, self._sealed(payload))
                return
            write_atomic(self.path, self._sealed({"stamp": self.stamp, "entries": self.new}))
            for number in self.deltas:  # a delta left behind (killed here) holds only sound entries
                self.path.with_name(f"{self.path.stem}.delta-{number}.msgpack").unlink(missing_ok=True)
        except (OSError, ValueError, TypeError):  # TypeError: a value the codec does not store
            pass

    def _sealed(self, payload: dict) -> bytes:
        return audit_cache.seal(self.key, cache_codec.dumps(payload, self.spec.records))


def groups(memo: Memo, keys: Sequence[bytes], compute: Callable) -> list[int]:
    """Group labels of texts known by ``keys`` (their SHA-256 digests) under a symmetric
    similarity relation that depends on the two texts alone, such as
    :func:`pipeline.dedup.portal_groups`; ``compute(fresh, known)`` groups them comparing only
    pairs with a text at a position in ``fresh`` (None: all) after joining the ``known`` pairs
    ``(i, j, similarity)``, and returns ``(labels, the pairs it confirmed)``.

    The memo keeps one entry: the keys compared last time and the pairs that joined them.  A
    group none of whose texts changed or went away is known — every pair of its texts with
    any other unchanged text was settled last time.  A group that lost a text is compared
    again as a whole (the pair that held it together may have gone with it), as are new and
    repeated texts; so the groups always equal those of a run without the memo."""
    previous = memo.get("groups")
    compared, edges = previous if previous is not None else ((), ())
    compared = set(compared)
    edges = {(a, b): sim for a, b, sim in edges}
    count: dict[bytes, int] = {}
    for k in keys:
        count[k] = count.get(k, 0) + 1
    parent: dict[bytes, bytes] = {}

    def root(k: bytes) -> bytes:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    present = set(keys)
    stale = {root(k) for k in compared if k not in present}  # a group that lost a text
    stale |= {root(k) for k in keys if count[k] > 1}  # a text that is there twice
    position = {k: n for n, k in enumerate(keys)}
    settled = {n for n, k in enumerate(keys) if k in compared and root(k) not in stale}
    fresh = [n for n in range(len(keys)) if n not in settled]
    known = sorted(
        (min(position[a], position[b]), max(position[a], position[b]), sim)
        for (a, b), sim in edges.items()
        if a in position and b in position and position[a] in settled and position[b] in settled
    )
    labels, joined = compute(fresh, known) if settled else compute(None, ())
    kept = sorted((keys[i], keys[j], sim) for i, j, sim in set(known) | set(joined) if keys[i] != keys[j])
    unique = tuple(dict.fromkeys(keys))
    if previous is None or set(unique) != compared or {(a, b) for a, b, _ in kept} != set(edges):
        memo.put("groups", (unique, tuple(kept)))
    return labels
