"""Writes the docs tree the renderers produced, touching only files whose bytes changed.

The tree is plain Markdown plus static files under one folder (default
``.portal/docs``); files that no renderer produced any more are removed, so a withdrawn
item disappears from the next build.  Unchanged files keep their mtime, which keeps
rebuilds cheap for engines that look at it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SyncReport:
    written: int
    unchanged: int
    removed: int


_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


class Kept:
    """A docs file the build's render memo found unchanged on disk by its status, not read
    (:meth:`pipeline.render_memo.RenderMemo.stored` with ``keep_on_disk``): it stands for the
    bytes that file holds, and :func:`sync` leaves the file alone.  It is never written — a
    :class:`Kept` that is not the very object ``on_disk`` names for its path is an error."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"Kept({self.path!r})"


def _holds(target: str, data: bytes) -> bool | None:
    """Does the file ``target`` hold exactly ``data``?  None: there is no such file.  Three
    system calls (open, one read of one byte more than ``data``, close); a file that cannot be
    read (a folder, a FIFO …) does not hold it, nor does one that gives a short read (it is
    written again: never a wrong "unchanged")."""
    try:
        fd = os.open(target, _READ)
    except FileNotFoundError:
        return None
    except OSError:
        return False
    try:
        found = os.read(fd, len(data) + 1)
    except OSError:
        return False
    finally:
        os.close(fd)
    return found == data


def sync(
    root: Path, files: dict[str, str | bytes | Kept], on_disk: dict[str, str | bytes | Kept] | None = None
) -> SyncReport:
    """Plain ``os`` calls on string paths (pathlib's per-call overhead was most of the time of a
    rebuild that changes nothing): one read of each file to compare (only when ``files`` gives
    it other content than ``on_disk``, which names the very objects just read from these files
    — the build's render memo, :mod:`pipeline.render_memo`, or a :class:`Kept` it checked by
    status), folders created once, and a single bottom-up walk to remove what is no longer produced."""
    root.mkdir(parents=True, exist_ok=True)
    base = str(root)
    written = unchanged = removed = 0
    made: set[str] = set()
    on_disk = on_disk or {}
    for rel, content in files.items():
        if on_disk.get(rel) is content:
            unchanged += 1
            continue
        if type(content) is Kept:  # its bytes were never read: nothing to write them from
            raise ValueError(f"docs file {rel} was not read and is not known to be on disk")
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = os.path.join(base, rel)
        same = _holds(target, data)
        if same:
            unchanged += 1
            continue
        if same is None:
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            try:
                with open(target, "xb") as out:  # a new file: no earlier version anyone could be reading
                    out.write(data)
                written += 1
                continue
            except FileExistsError:  # made meanwhile: replaced below
                pass
        tmp = target + ".tmp"  # replace an existing file atomically: a reader sees old or new
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
        written += 1
    wanted = set(files)
    for folder, dirs, names in os.walk(base, topdown=False):
        prefix = folder[len(base) + 1 :].replace(os.sep, "/")
        for name in names:
            if (f"{prefix}/{name}" if prefix else name) not in wanted:
                os.unlink(os.path.join(folder, name))
                removed += 1
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and not os.listdir(path):
                os.rmdir(path)
    return SyncReport(written, unchanged, removed)
