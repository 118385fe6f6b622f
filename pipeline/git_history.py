"""What git knows about the item files: when each was first added, which commits changed it,
and which signed commits approved which version.  Read with git itself — one ``git log`` over
``items/``, one for approval trailers, one ``git cat-file`` batch for blob ids and first
versions, and ``git log --no-walk`` with an allowed-signers file generated from
``reviewers.yaml`` for the signatures (git runs ``ssh-keygen -Y verify``; nothing is
reimplemented here).

This module reads the repository and decides nothing: :mod:`pipeline.provenance` turns the
:class:`History` into findings.  When the content folder is not a git checkout, git is
missing or the history is shallow, :func:`read` returns a :class:`History` whose
``available`` is False and ``reason`` says why, in Chinese.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

# Trailers of an approval commit made by ``portal approve`` (or by hand):
#   Reviewed-by: 王建国
#   Reviewed-item: items/bureau/2026/2026-11-28-x.md      (path relative to the content folder)
REVIEWED_BY = "Reviewed-by"
REVIEWED_ITEM = "Reviewed-item"
_RS, _US, _GS = "\x1e", "\x1f", "\x1d"
_TIMEOUT = 600


class GitError(Exception):
    """git failed while reading history; ``str()`` says so in Chinese."""


@dataclass(frozen=True)
class Commit:
    sha: str
    time: datetime  # committer time, UTC — or its latest ancestor's when that is later (see _proved_times)
    reviewed_by: tuple[str, ...] = ()
    reviewed_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signature:
    status: str  # git's %G? letter: G good, B bad, U/X/Y/R untrusted or expired, E cannot check, N none
    principal: str | None  # the allowed-signers principal (``reviewer-N``) when status is G
    fingerprint: str | None


@dataclass(frozen=True)
class FileHistory:
    path: str  # relative to the content folder, posix
    added: Commit | None  # the commit that first added the file (renames followed)
    changes: tuple[Commit, ...]  # commits that added, changed or renamed into it, oldest first
    first_text: str | None = None  # the file as first added (None when identical to the working file or unreadable)
    # (commit sha → whether the file's blob at that commit equals the working file's bytes)
    matches_now: tuple[tuple[str, bool], ...] = ()
    approvals: tuple[str, ...] = ()  # shas of commits that changed the file or name it in a Reviewed-item trailer
    # (approval sha → the files the item refers to whose blob at that commit is not the working file's)
    stale_files: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class History:
    available: bool
    reason: str = ""  # why not available, in Chinese, with what to do
    files: dict[str, FileHistory] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    signatures: dict[str, Signature] = field(default_factory=dict)

    def file(self, path: str) -> FileHistory | None:
        return self.files.get(path)


def unavailable(reason: str) -> History:
    return History(False, reason)


def _git(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            check=False,
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C.UTF-8"},
        )
    except FileNotFoundError:
        raise GitError("没有找到 git 命令") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} 超过 {_TIMEOUT} 秒没有完成") from None
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])} 失败：{done.stderr.strip()[:300]}")
    return done.stdout


def blob_id(data: bytes) -> str:
    """git's object id of a file with these bytes (sha1 of ``blob <len>\\0`` + data)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git's object id, not a security hash


def repository(content_dir: Path) -> tuple[Path, str] | str:
    """(repository root, content folder's path inside it with a trailing slash) or why not."""
    try:
        inside = _git(["rev-parse", "--is-inside-work-tree"], content_dir).strip()
    except GitError as exc:
        return f"{content_dir} 不在 git 仓库中（{exc}）" if "git 命令" not in str(exc) else str(exc)
    if inside != "true":
        return f"{content_dir} 不在 git 工作区中"
    if _git(["rev-parse", "--is-shallow-repository"], content_dir).strip() == "true":
        return (
            "git 历史是浅克隆（shallow），无法核对首次提交和审签提交；请运行 git fetch --unshallow，"
            "CI 中设置 fetch-depth: 0"
        )
    try:
        _git(["rev-parse", "--verify", "-q", "HEAD"], content_dir)
    except GitError:
        return "git 仓库还没有任何提交"
    root = Path(_git(["rev-parse", "--show-toplevel"], content_dir).strip())
    prefix = _git(["rev-parse", "--show-prefix"], content_dir).strip()
    return root, prefix


def _trailers(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(_GS) if v.strip())


def _proved_times(root: Path) -> dict[str, int]:
    """Each commit's time as its history proves it: a commit's committer time is whatever the
    committer's clock (or ``GIT_COMMITTER_DATE``) said, so a commit made today on top of history
    can claim any earlier day — to pass a backdated item, or one older than ``history_starts``.
    No commit is older than its parents: the time counted is the latest of its own and its
    ancestors' (a parent dated more than a day in the future is a wrong clock, not carried on).
    One ``git log`` over the whole history, parents before children."""
    out = _git(["log", "--topo-order", "--reverse", "--format=%H %ct %P", "HEAD"], root)
    ceiling = int(time.time()) + 86400
    proved: dict[str, int] = {}
    for line in out.splitlines():
        sha, ct, *parents = line.split()
        when = int(ct)
        for parent in parents:
            before = proved.get(parent)
            if before is not None and when < before <= ceiling:
                when = before
        proved[sha] = when
    return proved


def _log(root: Path, args: list[str], proved: dict[str, int] | None = None) -> list[tuple[Commit, list[list[str]]]]:
    fmt = (
        f"{_RS}%H{_US}%ct{_US}%(trailers:key={REVIEWED_BY},valueonly,separator=%x1d){_US}%(trailers:"
        f"key={REVIEWED_ITEM},valueonly,separator=%x1d){_US}"
    )
    out = _git(["-c", "core.quotepath=off", "log", "--no-color", f"--format={fmt}", *args], root)
    entries = []
    for record in out.split(_RS)[1:]:
        head, _, rest = record.rpartition(_US)
        sha, ct, by, items = head.split(_US)
        when = max(int(ct), (proved or {}).get(sha, 0))
        commit = Commit(sha, datetime.fromtimestamp(when, UTC), _trailers(by), _trailers(items))
        changes = [line.split("\t") for line in rest.splitlines() if "\t" in line]
        entries.append((commit, changes))
    return entries


def read(
    content_dir: Path | str,
    allowed_signers: str,
    items: Iterable[str] | None = None,
    *,
    verify_signatures: bool = True,
    companions: dict[str, tuple[str, ...]] | None = None,
) -> History:
    """The history of every ``items/**.md`` file under ``content_dir``, and of the other published
    files (``pages/``, the yearly data of ``disclosure/`` and ``website-report/``).  ``allowed_signers`` is
    the text of git's allowed-signers file (:meth:`ReviewRules.allowed_signers`).  ``items``:
    the content-relative paths to report (default: every path seen in history that still exists).
    ``companions``: item path → the content files it refers to (its attachments and images); for
    each approval commit, those whose version there is not the working file are listed
    (:attr:`FileHistory.stale_files`)."""
    content_dir = Path(content_dir).resolve()
    where = repository(content_dir)
    if isinstance(where, str):
        return unavailable(where)
    root, prefix = where
    items_prefix = f"{prefix}items/"

    def rel(path: str) -> str | None:
        return path[len(prefix) :] if path.startswith(prefix) else None

    added: dict[str, tuple[Commit, str]] = {}  # content-relative path → (commit, repo path at that time)
    changes: dict[str, list[Commit]] = {}
    commits: dict[str, Commit] = {}
    proved = _proved_times(root)
    published_data = [f"{prefix}pages/", f"{prefix}disclosure/", f"{prefix}website-report/"]
    log = _log(root, ["--name-status", "-M", "--reverse", "--", items_prefix, *published_data], proved)
    for commit, entries in log:
        commits[commit.sha] = commit
        for entry in entries:
            status = entry[0]
            if status.startswith("R") and len(entry) == 3:
                old, new = rel(entry[1]), rel(entry[2])
                if new is None:
                    continue
                first = added.get(old) if old is not None else None
                added.setdefault(new, first or (commit, entry[2]))
                changes.setdefault(new, list(changes.get(old, [])) if old else []).append(commit)
            elif status in ("A", "M", "T", "C") or status.startswith("C"):
                path = rel(entry[-1])
                if path is None:
                    continue
                added.setdefault(path, (commit, entry[-1]))
                changes.setdefault(path, []).append(commit)
    # approval commits that only carry trailers (``portal approve`` on an unchanged file)
    trailer_commits: dict[str, list[Commit]] = {}
    for commit, _ in _log(root, [f"--grep=^{REVIEWED_ITEM}:", "--extended-regexp"], proved):
        commits.setdefault(commit.sha, commit)
        for path in commit.reviewed_items:
            trailer_commits.setdefault(path, []).append(commit)

    wanted = sorted(set(items) if items is not None else set(changes))
    current: dict[str, str | None] = {}
    for path in wanted:
        try:
            current[path] = blob_id((content_dir / path).read_bytes())
        except OSError:
            current[path] = None
    # blob of each candidate (commit, path) in one cat-file batch
    pairs: list[tuple[str, str]] = []
    for path in wanted:
        shas = [c.sha for c in changes.get(path, [])] + [c.sha for c in trailer_commits.get(path, [])]
        pairs.extend((sha, path) for sha in dict.fromkeys(shas))
    blobs = _batch_check(root, [f"{sha}:{prefix}{path}" for sha, path in pairs])
    first_wanted = []
    for path in wanted:
        if path in added:
            commit, repo_path = added[path]
            first_wanted.append((path, f"{commit.sha}:{repo_path}"))
    first_blobs = _batch_check(root, [spec for _, spec in first_wanted])
    need_text = [
        (path, spec) for (path, spec), blob in zip(first_wanted, first_blobs) if blob and blob != current.get(path)
    ]
    texts = dict(zip([p for p, _ in need_text], _batch_text(root, [spec for _, spec in need_text])))

    matches: dict[str, list[tuple[str, bool]]] = {}
    for (sha, path), blob in zip(pairs, blobs):
        matches.setdefault(path, []).append((sha, blob is not None and blob == current.get(path)))
    files = {}
    for path in wanted:
        approvals = tuple(
            dict.fromkeys([c.sha for c in changes.get(path, [])] + [c.sha for c in trailer_commits.get(path, [])])
        )
        files[path] = FileHistory(
            path,
            added[path][0] if path in added else None,
            tuple(changes.get(path, ())),
            texts.get(path),
            tuple(matches.get(path, ())),
            approvals,
        )
    if companions:
        _mark_stale(root, prefix, content_dir, files, companions)
    signatures: dict[str, Signature] = {}
    if verify_signatures:
        # every commit that could have approved some version of an item (one git call; unsigned ones cost nothing)
        candidates = sorted({sha for path in wanted for sha in files[path].approvals})
        signatures = verify(root, candidates, allowed_signers)
    return History(True, "", files, commits, signatures)


def _mark_stale(
    root: Path, prefix: str, content_dir: Path, files: dict[str, FileHistory], companions: dict[str, tuple[str, ...]]
) -> None:
    """Fill :attr:`FileHistory.stale_files`: one ``cat-file`` batch for every (approval, file) pair."""
    needed = sorted({rel for path in files for rel in companions.get(path, ())})
    now: dict[str, str | None] = {}
    for rel in needed:
        try:
            now[rel] = blob_id((content_dir / rel).read_bytes())
        except OSError:
            now[rel] = None
    pairs = sorted(
        {(sha, rel) for path, fh in files.items() for sha in fh.approvals for rel in companions.get(path, ())}
    )
    blobs = _batch_check(root, [f"{sha}:{prefix}{rel}" for sha, rel in pairs])
    differs = {pair for pair, blob in zip(pairs, blobs) if blob is None or blob != now.get(pair[1])}
    for path, fh in list(files.items()):
        stale = []
        for sha in fh.approvals:
            changed = tuple(rel for rel in companions.get(path, ()) if (sha, rel) in differs)
            if changed:
                stale.append((sha, changed))
        if stale:
            files[path] = replace(fh, stale_files=tuple(stale))


def versions(path: Path) -> tuple[Path, list[tuple[str, str | None]]] | None:
    """Every version of the file ``path`` in its repository's history (``HEAD``, oldest first):
    (repository root, [(commit, the file's text after that commit — None when it deleted the
    file)]).  None when ``path``'s folder is not in a git work tree with full history."""
    where = repository(path.parent)
    if isinstance(where, str):
        return None
    root, prefix = where
    repo_path = prefix + path.name
    shas = _git(["log", "--reverse", "--format=%H", "--", repo_path], root).split()
    return root, list(zip(shas, _batch_text(root, [f"{sha}:{repo_path}" for sha in shas])))


def _batch_check(root: Path, specs: list[str]) -> list[str | None]:
    if not specs:
        return []
    out = _git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], root, "\n".join(specs) + "\n")
    result = []
    for line in out.splitlines():
        parts = line.split()
        result.append(parts[0] if len(parts) == 2 and parts[1] == "blob" else None)
    if len(result) != len(specs):
        raise GitError("git cat-file 的输出与请求数目不符")
    return result


def _batch_text(root: Path, specs: list[str]) -> list[str | None]:
    if not specs:
        return []
    try:
        done = subprocess.run(
            ["git", "cat-file", "--batch"],
            check=False,
            cwd=root,
            input=("\n".join(specs) + "\n").encode(),
            capture_output=True,
            timeout=_TIMEOUT,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git cat-file 失败：{exc}") from None
    data, pos, texts = done.stdout, 0, []
    for _ in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) == 3:
            size = int(header[2])
            texts.append(data[pos : pos + size].decode("utf-8", "replace"))
            pos += size + 1
        else:
            texts.append(None)
    return texts


def verify(root: Path, shas: list[str], allowed_signers: str) -> dict[str, Signature]:
    """git's own verdict on each commit's signature, against ``allowed_signers``."""
    if not shas:
        return {}
    with tempfile.NamedTemporaryFile("w", suffix=".allowed_signers", delete=False, encoding="utf-8") as fh:
        fh.write(allowed_signers)
        signers = fh.name
    try:
        out = _git(
            [
                "-c",
                f"gpg.ssh.allowedSignersFile={signers}",
                "-c",
                "log.showSignature=false",
                "log",
                "--no-walk=unsorted",
                "--stdin",
                f"--format={_RS}%H{_US}%G?{_US}%GS{_US}%GF",
            ],
            root,
            "\n".join(shas) + "\n",
        )
    finally:
        os.unlink(signers)
    result = {}
    for record in out.split(_RS)[1:]:
        sha, status, signer, fingerprint = (record.strip("\n").split(_US) + ["", "", ""])[:4]
        result[sha] = Signature(status, signer or None if status == "G" else None, fingerprint or None)
    return result
