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
    root.mkdir(parents=True, exist_ok=True)
    written = unchanged = removed = 0
    for rel, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = root / rel
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                unchanged += 1
                continue
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        written += 1
    wanted = set(files)
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(root).as_posix() not in wanted:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return SyncReport(written, unchanged, removed)
