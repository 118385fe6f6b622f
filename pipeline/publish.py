"""Atomic publish and one build at a time (原子发布、同一时间只有一个构建).

A build never writes into the live output folder.  :func:`staging_dir` names a fresh folder
beside ``--out`` on the same filesystem (``<out>.new-<pid>``); the engine renders into it,
Pagefind indexes it, the last checks and the manifest run on it, and :func:`swap` puts it in
place at the very end:

- on Linux, one ``renameat2(RENAME_EXCHANGE)`` system call exchanges the two folders
  atomically: at every instant ``<out>`` is either the previous complete site or the new one;
- elsewhere (or on a filesystem without it) the old folder is renamed aside
  (``<out>.old-<pid>``) and the new one renamed in — two renames; between them, for a few
  microseconds, ``<out>`` does not exist (a web server answers 404).  A build killed in that
  window leaves the previous site complete in ``<out>.old-<pid>``, and the next build puts it
  back first (:func:`recover`).

A failed or killed build leaves ``<out>`` as it was; its staging folder is removed at once
on failure, or by the next build when the process was killed (:func:`clean_stale`, only
folders of processes that no longer run).

:func:`build_lock` holds an exclusive lock on ``<work>/build.lock`` for the whole build (the
caches, the docs tree, the 索引号 ledger and the output are shared state), so a second build
with the same ``--work`` waits — or, asked not to, stops with a message.  It is a POSIX
record lock (``fcntl.lockf``): forked worker processes do not inherit it, so a worker left
behind by a killed build cannot keep the next one waiting; the kernel drops it when the
holder dies.  This module does not print: waiting is reported through a callback.

:func:`write_atomic` is the same promise for one file (caches, the 索引号 ledger, the manifest
copy, the page record): the only atomic file write in the pipeline.

Why about 450 lines: the build lock, the staging folder, the swap, the spare and the removals
are one protocol over the same folder names (``.new-``, ``.old-``, ``.gone-``, ``.spare``) and
the same recovery rules after a kill; split, they would live in two places.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import itertools
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace ``path`` atomically: ``data`` (``str`` as UTF-8) goes to ``<name>.tmp`` beside it,
    which is then renamed over it, so a reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)


LOCK_FILE = "build.lock"
_NEW, _OLD, _GONE = ".new-", ".old-", ".gone-"
_SPARE = ".spare"  # the site before the live one, kept to be the next staging folder (recycle)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class PublishError(Exception):
    """The new site could not be put in place (or the lock taken); ``str()`` says why, in Chinese."""


class BuildLocked(PublishError):
    """Another build holds the lock on the work folder and we were asked not to wait."""


# --- one build at a time -------------------------------------------------------------------------


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f"（进程 {text}）" if text.isdigit() else ""


@contextlib.contextmanager
def build_lock(work: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``<work>/build.lock`` for the body.  When another build holds it: ``on_wait(message)``
    and wait (``wait``), or raise :class:`BuildLocked`."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise PublishError(f"无法创建构建锁 {path}：{exc.strerror or exc}") from None
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise PublishError(f"无法锁定 {path}：{exc.strerror or exc}") from None
            who = _holder(path)
            if not wait:
                raise BuildLocked(
                    f"另一个构建正在使用工作目录 {work}{who}；本次未构建，网站未改动。稍后再试，"
                    "或去掉 --no-wait 排队等待"
                ) from None
            if on_wait is not None:
                on_wait(f"另一个构建正在使用工作目录 {work}{who}，等待它结束……（不想等待时加 --no-wait）")
            fcntl.lockf(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


# --- the staging folder and the swap -------------------------------------------------------------


def live_dir(out: Path) -> Path:
    """The folder that is swapped: ``out`` made absolute, a symlink followed (the link stays)."""
    return Path(os.path.realpath(os.path.abspath(out)))


def staging_dir(out: Path) -> Path:
    """A fresh, empty-to-be path beside ``out`` (same filesystem) for this process's build."""
    live = live_dir(out)
    if live.exists() and not live.is_dir():
        raise PublishError(f"网站输出目录 {out} 不是目录")
    path = live.with_name(f"{live.name}{_NEW}{os.getpid()}")
    _remove(path)
    return path


def spare_dir(out: Path) -> Path:
    """Where the site before the live one is kept (:func:`keep_spare`)."""
    live = live_dir(out)
    return live.with_name(live.name + _SPARE)


def holding_dir(out: Path) -> Path:
    """A fresh folder beside ``out`` where a build holds what it takes out of its recycled staging
    folder for a while (:func:`pipeline.search_index.hold_bundles`); a ``.gone-`` name of this
    process: never put back, and removed by the next build if this one is killed (:func:`clean_stale`)."""
    live = live_dir(out)
    path = live.with_name(f"{live.name}{_GONE}{os.getpid()}-held")
    _remove(path)
    return path


def recycle(out: Path) -> Path | None:
    """This process's staging folder made from the spare site (:func:`keep_spare`), by renaming
    it; None when there is no spare (then :func:`staging_dir` is used).  Most of its pages are
    hard links shared with the live site — the renderer must keep what it keeps as it is and
    remove everything else before writing (:func:`pipeline.mkdocs_pages.build`, ``recycled``);
    only a build that knows what the live site holds may take it."""
    spare = spare_dir(out)
    if not spare.is_dir() or spare.is_symlink():
        if spare.is_symlink() or spare.exists():
            _remove(spare)
        return None
    target = staging_dir(out)
    try:
        os.rename(spare, target)
    except OSError:
        return None
    return target


def keep_spare(aside: Path, out: Path, stale: list[str] | None = None) -> None:
    """Keep the previous site, set aside by the swap, as the spare the next build renders into
    (an older spare goes, off the critical path); never raises — failing that, it is removed.
    What the new site no longer has as it was goes from it at once: a withdrawn or changed page,
    an old search bundle or feed are never kept beside the web root.  ``stale``: those files (paths
    relative to the site), when the build knows them (from the two sites' manifests); None: every
    file not shared with the new site goes (:func:`prune_to_shared`, a walk of both sites)."""
    spare = spare_dir(out)
    try:
        if spare.is_symlink() or spare.exists():
            old = _set_aside(spare, live_dir(out))
            if old == spare:  # could not be renamed away: do not mix it with the new one
                raise OSError("spare")
            remove_later(old)
        if stale is None:
            prune_to_shared(aside, live_dir(out))
        else:
            remove_files(aside, stale)
        os.rename(aside, spare)
    except OSError:
        remove_later(aside)


def remove_files(root: Path, paths: list[str]) -> None:
    """Unlink each of ``paths`` (relative, inside ``root``; one that is not raises OSError) when it
    is there, and each folder above it that is left empty."""
    base = os.path.realpath(root)
    for rel in paths:
        target = os.path.normpath(os.path.join(base, rel))
        if os.path.isabs(rel) or not target.startswith(base + os.sep):
            raise OSError(f"{rel} 不在 {root} 之内")
        if os.path.realpath(os.path.dirname(target)) != os.path.dirname(target):
            raise OSError(f"{rel} 的上级目录是符号链接")  # a folder swapped for a link out of the site
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        folder = os.path.dirname(target)
        while folder != base:
            try:
                os.rmdir(folder)
            except OSError:  # not empty (or gone): the folders above are not empty either
                break
            folder = os.path.dirname(folder)


def inventory(root: Path | str) -> tuple[dict, list[str]]:
    """Everything under ``root``: {relative path: lstat} of what is not a folder (a symlink to a
    folder included, never followed), and the folders (relative paths), one ``scandir`` each."""
    base = str(root)
    files: dict = {}
    folders: list[str] = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(os.path.join(base, prefix) if prefix else base) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(rel)
                    pending.append(rel + "/")
                else:
                    files[rel] = entry.stat(follow_symlinks=False)
    return files, folders


def folders_of(paths) -> set[str]:
    """Every folder (relative path) that holds one of ``paths``, directly or further down."""
    found: set[str] = set()
    for rel in paths:
        folder = os.path.dirname(rel)
        while folder and folder not in found:
            found.add(folder)
            folder = os.path.dirname(folder)
    return found


def keep_only(root: Path | str, files: dict, folders: list[str], kept) -> int:
    """Unlink every file of ``files`` (:func:`inventory` of ``root``) not in ``kept`` and remove
    every folder that is left empty; returns how many files went.  Raises OSError."""
    base = str(root)
    doomed = 0
    for rel in files:
        if rel not in kept:
            os.unlink(os.path.join(base, rel))
            doomed += 1
    needed = folders_of(kept)
    for rel in sorted((f for f in folders if f not in needed), key=lambda f: f.count("/"), reverse=True):
        os.rmdir(os.path.join(base, rel))
    return doomed


def prune_to_shared(folder: Path, live: Path, threads: int = 2) -> int:
    """Remove every file of ``folder`` that is not the very file (same inode) at the same path of
    ``live``, and every folder left empty; returns how many files went.  The live files' status
    is read on ``threads`` threads (a site's 24,000 files).  Raises OSError."""
    files, folders = inventory(folder)
    other = str(live)

    def shared(part: list) -> list[bool]:
        out = []
        for rel, mine in part:
            try:
                theirs = os.lstat(os.path.join(other, rel))
            except OSError:
                out.append(False)
                continue
            out.append(stat.S_ISREG(mine.st_mode) and (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev))
        return out

    found = list(files.items())
    step = 2048
    parts = [found[i : i + step] for i in range(0, len(found), step)]
    if len(parts) > 1 and threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            answers = [a for part in pool.map(shared, parts) for a in part]
    else:
        answers = [a for part in parts for a in shared(part)]
    return keep_only(folder, files, folders, {rel for (rel, _), keep in zip(found, answers) if keep})


def drop_spare(out: Path) -> None:
    """No spare is kept (a build that rendered every page: its files share nothing with it)."""
    spare = spare_dir(out)
    if spare.is_dir() and not spare.is_symlink():
        gone = _set_aside(spare, live_dir(out))
        if gone != spare:
            remove_later(gone)
    elif spare.is_symlink() or spare.exists():
        with contextlib.suppress(OSError):
            spare.unlink()


def _pid_of(path: Path, live: Path, marker: str) -> int | None:
    rest = path.name[len(live.name) + len(marker) :] if path.name.startswith(live.name + marker) else ""
    return int(rest) if rest.isdigit() else None


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path) -> Path | None:
    """When a build was killed between the two renames of the fallback swap, ``out`` is gone
    and the previous site is complete in ``<out>.old-<pid>``: put it back.  Returns what was
    restored, or None."""
    live = live_dir(out)
    if live.exists() or not live.parent.is_dir():
        return None
    olds = [
        p
        for p in live.parent.iterdir()
        if (pid := _pid_of(p, live, _OLD)) is not None and not _running(pid) and p.is_dir()
    ]
    if not olds:
        return None
    newest = max(olds, key=lambda p: p.stat().st_mtime)
    os.rename(newest, live)
    return newest


def clean_stale(out: Path) -> tuple[Path, ...]:
    """Remove staging and set-aside folders of builds that no longer run (killed ones)."""
    live = live_dir(out)
    removed = []
    if not live.parent.is_dir():
        return ()
    for path in live.parent.iterdir():
        pid = _pid_of(path, live, _NEW) or _pid_of(path, live, _OLD)
        if pid is not None and not _running(pid):
            _remove(path)
            removed.append(path)
        elif path.name.startswith(live.name + _GONE) and path.is_dir() and not path.is_symlink():
            gone_pid = path.name[len(live.name) + len(_GONE) :].split("-", 1)[0]
            if gone_pid.isdigit() and not _running(int(gone_pid)):  # a removal that was killed: finish it
                remove_later(path)
                removed.append(path)
    return tuple(removed)


def discard(staging: Path) -> None:
    """A failed build: its staging folder goes, ``out`` is untouched.  Never raises (a child
    still writing into it may leave some; the next build removes the rest)."""
    try:
        _remove(staging)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Exchange two paths atomically; False when this system or filesystem cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2  # glibc ≥ 2.28
    except (OSError, AttributeError):
        return False
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap(staging: Path, out: Path, exchange: Callable[[Path, Path], bool] = _renameat2_exchange) -> str:
    """Put the complete site in ``staging`` in place of ``out`` and remove the previous one.
    Returns how: ``exchange`` (atomic), ``rename`` (no previous site) or ``fallback`` (two
    renames).  On an error the previous site stays in place and :class:`PublishError` says why."""
    how, gone = swap_keep(staging, out, exchange)
    if gone is not None:
        _remove(gone)
    return how


def swap_keep(
    staging: Path, out: Path, exchange: Callable[[Path, Path], bool] = _renameat2_exchange
) -> tuple[str, Path | None]:
    """:func:`swap`, but the previous site is only renamed to ``<out>.gone-<pid>-<n>`` (not
    removed, which takes a while for a big site): returns how and that folder (None when there
    was no previous site).  A ``.gone-`` folder is never put back (:func:`recover` takes only
    ``.old-`` ones, a site that was live when a build was killed mid-swap): remove it with
    :func:`remove_later`; one left by a killed process goes in the next build (:func:`clean_stale`)."""
    live = live_dir(out)
    try:
        if live.is_dir():
            with contextlib.suppress(OSError):  # keep the live folder's permissions (a web server's group)
                os.chmod(staging, stat.S_IMODE(live.stat().st_mode))
        if not live.exists():
            os.rename(staging, live)
            return "rename", None
        if exchange(staging, live):
            return "exchange", _set_aside(staging, live)  # staging holds the previous site now
        aside = live.with_name(f"{live.name}{_OLD}{os.getpid()}")
        _remove(aside)
        os.rename(live, aside)
        try:
            os.rename(staging, live)
        except OSError:
            os.rename(aside, live)
            raise
        return "fallback", _set_aside(aside, live)
    except OSError as exc:
        raise PublishError(
            f"无法把新网站 {staging} 换到 {out}：{exc.strerror or exc}；{out} 保持上一次的版本"
        ) from None


_gone_count = itertools.count(1)


def _set_aside(previous: Path, live: Path) -> Path:
    """Rename the previous site (no longer live) to a ``.gone-`` name; never raises."""
    target = live.with_name(f"{live.name}{_GONE}{os.getpid()}-{next(_gone_count)}")
    try:
        _remove(target)
        os.rename(previous, target)
        return target
    except OSError:
        return previous


def remove_later(path: Path) -> subprocess.Popen | None:
    """Remove a folder set aside by :func:`swap_keep` in a detached process, so the build does
    not wait for it; returns that process (None: removed here, no process could start).
    Killed or not started, the folder is removed by the next build."""
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-S",
                "-c",
                "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                str(path),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl+C of the build does not stop it half way
            close_fds=True,
        )
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
        return None
