"""Which content files are staged in git (``portal check --staged``, the pre-commit hook).

Asks git for the files added, copied or modified in the index
(``git diff --cached --name-only --diff-filter=ACM``) and returns those under the content
folder as content-relative POSIX paths — the form findings name files in.  The whole content
is still loaded and checked (rules such as duplicate URLs need every item); the CLI only
narrows the report to these files.  It reads git, never the files, and never prints.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


class StagedError(Exception):
    """git could not say what is staged; ``str()`` is a Chinese message."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise StagedError(f"无法运行 git：{exc}") from None
    if done.returncode != 0:
        raise StagedError(
            f"git {' '.join(args)} 失败：{done.stderr.strip() or done.returncode}（--staged 只能在 git 仓库里使用）"
        )
    return done.stdout


def staged_content_paths(content: Path) -> frozenset[str]:
    """Content-relative paths (``items/bureau/2026/x.md``) of staged files under ``content``."""
    content = content.resolve()
    cwd = content if content.is_dir() else Path.cwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip()).resolve()
    names = _git(["-c", "core.quotepath=off", "diff", "--cached", "--name-only", "--diff-filter=ACM", "-z"], top)
    out = set()
    for name in names.split("\0"):
        if not name:
            continue
        path = (top / name).resolve()
        if path.is_relative_to(content):
            out.add(path.relative_to(content).as_posix())
    return frozenset(out)
