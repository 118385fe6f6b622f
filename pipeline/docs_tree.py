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


def sync(root: Path, files: dict[str, str | bytes]) -> SyncReport:
    """Plain ``os`` calls on string paths (pathlib's per-call overhead was most of the time of a
    rebuild that changes nothing): one ``stat`` per file, a read only when the size matches,
    folders created once, and a single bottom-up walk to remove what is no longer produced."""
    root.mkdir(parents=True, exist_ok=True)
    base = str(root)
    written = unchanged = removed = 0
    made: set[str] = set()
    for rel, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = os.path.join(base, rel)
        try:
            size = os.stat(target).st_size
        except FileNotFoundError:
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            with open(target, "wb") as out:  # a new file: no earlier version anyone could be reading
                out.write(data)
            written += 1
            continue
        if size == len(data):
            with open(target, "rb") as existing:
                if existing.read() == data:
                    unchanged += 1
                    continue
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
