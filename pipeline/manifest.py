"""防篡改: a manifest of every published file, signed with the deployment key, and its check.

Every build writes ``portal-manifest.json`` at the root of the site: the SHA-256 and size of
every other file, sorted by path, with nothing that changes between two builds of the same
content (rebuilds stay byte-identical).  When a deployment key is configured it is signed
with git's and OpenSSH's own tool, ``ssh-keygen -Y sign`` (namespace ``portal-manifest``),
into ``portal-manifest.json.sig`` beside it; :func:`check_signature` verifies it with
``ssh-keygen -Y verify`` against an allowed-signers file.  No signature code of our own.

:func:`compare` lists what differs between a web root and the manifest — modified, missing
and extra files (an uploaded ``.php``, an injected page) — and :func:`restore` puts back the
built files from a trusted copy.  :func:`compare_url` does the same over HTTP with bounded
concurrency.  Pure functions and file/HTTP reads; only :mod:`pipeline.cli` prints.

Why about 540 lines: making, writing (line by line, the same bytes as json's encoder), signing,
checking and restoring a manifest, locally and over HTTP, and the record of the files a build
hashed (:class:`Recorded`, which the next build's :func:`hash_site` trusts on their status) share
its format and its careful file reads (no FIFO opened blocking); split, each part would re-state them.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
import urllib.error
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline import http_get

NAME = "portal-manifest.json"
SIGNATURE = NAME + ".sig"
NAMESPACE = "portal-manifest"
FORMAT = 1
OWN = frozenset({NAME, SIGNATURE})  # the manifest's own two files: never listed in it


class ManifestError(Exception):
    """The manifest cannot be made, read, signed or verified; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class Difference:
    modified: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    checked: int = 0
    unreachable: tuple[tuple[str, str], ...] = field(default=())  # (path, reason), over HTTP

    @property
    def clean(self) -> bool:
        return not (self.modified or self.missing or self.extra or self.unreachable)


def _digest(path: Path | str) -> str:
    """SHA-256 of the regular file at ``path`` (a symlink followed: a web server serves its target).
    Anything else — a FIFO, which would block the reader for ever, a device, a folder — raises
    :class:`ManifestError`; the file is opened without blocking and checked before it is read."""
    return _digest_status(path)[0]


def _digest_status(path: Path | str) -> tuple[str, int, os.stat_result]:
    """:func:`_digest`, the size read and the status of the file opened, taken before it is read
    (a change while it is read shows in a later status)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise ManifestError(f"{path} 不是普通文件（命名管道、设备或目录），不能列入网站清单")
    size = 0
    with open(fd, "rb") as fh:
        h = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size, st


def files_of(site: Path) -> dict[str, str] | None:
    """{path: sha256} of the files ``site``'s manifest lists; None when it is missing, not a
    regular file (never opened blocking), unreadable or not a manifest."""
    try:
        fd = os.open(site / NAME, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with open(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            files = json.loads(handle.read().decode("utf-8"))["files"]
            return {str(rel): str(entry["sha256"]) for rel, entry in files.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


def _in_parallel(func, args: list) -> list:
    """``[func(a) for a in args]`` on a few threads, each given a contiguous slice (one task per
    thread: a future per file would cost more than hashing a small page): reading a file and
    SHA-256 over more than 2 KB release the GIL, so hashing a site's 24,000 files uses every core."""
    if len(args) < 64:
        return [func(a) for a in args]
    workers = min(8, 2 * (os.cpu_count() or 1))
    step = -(-len(args) // workers)
    slices = [args[i : i + step] for i in range(0, len(args), step)]
    with ThreadPoolExecutor(max_workers=len(slices)) as pool:
        done = list(pool.map(lambda part: [func(a) for a in part], slices))
    return [answer for part in done for answer in part]


def _files(root: Path, top: Callable[[str], bool] | None = None) -> list[str]:
    """Every regular file under ``root`` (posix paths), the manifest's own two excepted.
    A symlink is listed as a file (a web server follows it), never followed into a folder.
    ``top``: only under the entries of ``root`` whose name it accepts (see :func:`walk`)."""
    return [rel for rel, _ in walk(root, top) if rel not in OWN]


def listing(root: Path | str) -> list[str]:
    """The files a manifest of ``root`` lists (its own two excepted), sorted."""
    return _files(Path(root))


def walk(root: Path | str, top: Callable[[str], bool] | None = None) -> list[tuple[str, bool]]:
    """Everything under ``root`` that is not a folder, as (posix path relative to ``root``,
    whether it is a regular file or a symlink — False for a FIFO, socket or device), sorted by
    path.  A symlink to a folder is listed, not followed.  One ``scandir`` per folder: a
    site's 24,000 files in about 0.1 s.  ``top``: only the entries of ``root`` whose name it
    accepts, and what is under them (the others are not entered: another thread may be writing
    there — the build hashes the site outside the search bundles while Pagefind writes them)."""
    out: list[tuple[str, bool]] = []
    base = str(root)
    folders = [""]
    while folders:
        prefix = folders.pop()
        with os.scandir(os.path.join(base, prefix) if prefix else base) as entries:
            for entry in entries:
                if top is not None and not prefix and not top(entry.name):
                    continue
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(rel + "/")
                else:
                    out.append((rel, entry.is_symlink() or entry.is_file(follow_symlinks=False)))
    out.sort()
    return out


def make(
    site: Path,
    hashes: dict[str, tuple[str, int]] | None = None,
    listed: list[str] | None = None,
    site_url: str | None = None,
) -> dict:
    """The manifest of a built site: ``{"format", "files": {path: {"sha256", "size"}}, "site"}``;
    ``site``: the site's address (portal.yaml ``site_url``), so that another site's signed manifest
    and files, put in this web root wholesale, do not verify (``portal verify --site``).
    ``hashes`` (path → (sha256, size), from :func:`hash_site` of the same folder) spares
    reading the files again; a file it does not list is read.  ``listed``: the site's files
    (:func:`listing`) as the caller has just taken them, to spare walking the folder again."""
    entries = {}
    for rel in _files(site) if listed is None else listed:
        known = hashes.get(rel) if hashes else None
        if known is None:
            path = site / rel
            known = (_digest(path), path.stat().st_size)
        entries[rel] = {"sha256": known[0], "size": known[1]}
    out = {"format": FORMAT, "files": entries}
    if site_url:
        out["site"] = site_url
    return out


def status_key(st: os.stat_result) -> tuple:
    """What a file's status is compared by: (inode, device, size, mtime_ns, ctime_ns)."""
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def storable(key: tuple) -> list:
    """A :func:`status_key` as the page record (msgpack: 64-bit integers) can hold it: a time past
    the year 2554 or before 1677 (tmpfs and btrfs keep them) makes it [] — unknown, so the file is
    read and hashed again — instead of a record that cannot be written after the swap."""
    return list(key) if all(-(2**63) <= v < 2**64 for v in key) else []


def five_ints(value) -> bool:
    """Is ``value`` a list of five ints (a :func:`storable` status as decoded)?  Spelled out: it is
    asked of every page and file of a page record (~24,000 at 10k items) on each build."""
    if type(value) is not list or len(value) != 5:
        return False
    a, b, c, d, e = value
    return type(a) is int and type(b) is int and type(c) is int and type(d) is int and type(e) is int


@dataclass(frozen=True)
class Recorded:
    """Every file of the live site that a build hashed itself (not its pages), as that build
    recorded it just before its swap: path → (sha256, size, :func:`status_key` or ()).  Written
    into the page record (HMAC under the work folder's key) and trusted only for the site whose
    manifest that record names.  ``before``: a status that changed at or after this time (ns) is
    not trusted (file times come from a coarse clock, see ``mkdocs_pages.RACY_NS``)."""

    files: dict
    before: int = 0

    def trusted(self, rel: str, st: os.stat_result) -> tuple[str, int] | None:
        """(sha256, size) recorded for ``rel`` when ``st`` (its lstat now) is exactly the status
        recorded — the very file (same inode) the last build hashed, unchanged since: writing it,
        or setting its modification time back, sets its status-change time to now."""
        entry = self.files.get(rel)
        if entry is None or not entry[2] or not stat.S_ISREG(st.st_mode):
            return None
        key = status_key(st)
        if key != entry[2] or key[4] >= self.before:
            return None
        return entry[0], entry[1]

    def to_json(self) -> dict:
        return {rel: [sha, size, storable(key)] for rel, (sha, size, key) in self.files.items()}

    @classmethod
    def from_json(cls, value, before: int) -> "Recorded | None":
        """None when ``value`` is not exactly what :meth:`to_json` writes (nothing is trusted)."""
        if type(value) is not dict:
            return None
        files = {}
        for rel, entry in value.items():
            if not (
                type(rel) is str
                and type(entry) is list
                and len(entry) == 3
                and type(entry[0]) is str
                and len(entry[0]) == 64
                and type(entry[1]) is int
                and (entry[2] == [] or five_ints(entry[2]))
            ):
                return None
            files[rel] = (entry[0], entry[1], tuple(entry[2]))
        return cls(files, before)


@dataclass(frozen=True)
class SiteHashes:
    """:func:`hash_site`'s answer: every file's (sha256, size), how many digests were given
    (``known``) or recorded (``recorded``) instead of read, and the status each file read or
    taken on its recorded status had when it was checked (``seen``: path → :func:`status_key`;
    () for a symlink or a file replaced while it was opened)."""

    files: dict[str, tuple[str, int]]
    reused: int = 0
    seen: dict = field(default_factory=dict)

    def joined(self, other: "SiteHashes") -> "SiteHashes":
        """Two parts of one site (disjoint: :func:`hash_site` with complementary ``top``), its
        files in path order as :func:`listing` gives them."""
        return SiteHashes.union((self, other))

    @staticmethod
    def union(parts, ordered: bool = True) -> "SiteHashes":
        """Parts of one site (disjoint), put together once: its files in path order as
        :func:`listing` gives them, or as they come when not ``ordered`` (a part of a part)."""
        files: dict = {}
        seen: dict = {}
        reused = 0
        for part in parts:
            files.update(part.files)
            seen.update(part.seen)
            reused += part.reused
        return SiteHashes(dict(sorted(files.items())) if ordered else files, reused, seen)

    def without(self, folders: set[str]) -> "SiteHashes":
        """These hashes but for the files under ``folders`` (entries of the site's top folder)."""
        if not folders:
            return self
        prefixes = tuple(f"{name}/" for name in folders)
        files = {rel: got for rel, got in self.files.items() if not rel.startswith(prefixes)}
        return SiteHashes(files, self.reused, {rel: key for rel, key in self.seen.items() if rel in files})


def hash_site(
    site: Path,
    known: dict[str, tuple[str, int]] | None = None,
    recorded: Recorded | None = None,
    top: Callable[[str], bool] | None = None,
) -> SiteHashes:
    """The SHA-256 and size of every file of ``site`` (the files :func:`make` lists), each read once.

    ``known``: digests the caller has just taken of these very files (the renderer hashes each
    page it writes, and each page it takes over from the live site after checking that the live
    file is still what was published — :mod:`pipeline.mkdocs_pages`; the search index each bundle
    file it links from the live site), used when the size agrees: (sha256, size), or with the
    status the file had when it was read (recorded for the next build, see ``seen``).
    ``recorded``: the last build's record of the files it hashed (:class:`Recorded`): a regular
    file whose status is exactly the recorded one keeps the recorded digest.  Nothing is taken
    from the live site's manifest or from modification times alone: a file changed in place, its
    modification time set back, has a new status-change time and is read like any other.
    ``top``: only the files under the entries of ``site`` whose name it accepts (:func:`walk`);
    the parts are put together with :meth:`SiteHashes.joined`."""
    known = known or {}
    root = str(site)

    def one(rel: str) -> tuple[tuple[str, int], bool, tuple]:
        path = os.path.join(root, rel)
        st = os.lstat(path)
        if not _regular(st.st_mode):  # a symlink: what a web server serves is its target
            return (_digest(path), os.stat(path).st_size), False, ()
        given = known.get(rel)
        if given is not None and given[1] == st.st_size:
            return given[:2], True, given[2] if len(given) > 2 else ()
        if recorded is not None:
            kept = recorded.trusted(rel, st)
            if kept is not None:
                return kept, True, status_key(st)
        sha, size, opened = _digest_status(path)
        same = (opened.st_ino, opened.st_dev) == (st.st_ino, st.st_dev)
        return (sha, size), False, status_key(opened) if same and size == opened.st_size else ()

    rels = _files(site, top)
    answers = _in_parallel(one, rels)
    files = {rel: answer for rel, (answer, _, _) in zip(rels, answers)}
    seen = {rel: key for rel, (_, _, key) in zip(rels, answers) if key}
    return SiteHashes(files, sum(1 for _, given, _ in answers if given), seen)


def recorded_statuses(hashes: SiteHashes, now: dict, pages) -> dict:
    """What :class:`Recorded` keeps of a site's files that are not ``pages`` (paths): each one's
    digest and size, and its status when ``now`` (path → lstat, taken after the checks, just
    before the swap) is still the status it had when it was hashed (``hashes.seen``) — a file
    changed after its check (it may be shared with the live site by hard link) gets () and is
    read by the next build."""
    out = {}
    for rel, (sha, size) in hashes.files.items():
        if rel in pages:
            continue
        seen = hashes.seen.get(rel, ())
        st = now.get(rel)
        key = status_key(st) if st is not None and seen and stat.S_ISREG(st.st_mode) else ()
        out[rel] = (sha, size, key if key == seen else ())
    return out


def _regular(mode: int) -> bool:
    return stat.S_ISREG(mode)


def dumps(manifest: dict) -> bytes:
    """``json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)`` and a newline, as
    UTF-8.  The usual shape is written line by line (the same bytes: json's indented encoder
    is pure Python and took ~0.3 s for a site's 24,000 files); anything else goes to json."""
    fast = _dumps_files(manifest)
    if fast is not None:
        return fast
    return (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


_string = json.encoder.encode_basestring  # json's own (C) string encoder for ensure_ascii=False


def _dumps_files(manifest: dict) -> bytes | None:
    """:func:`dumps` of ``{"files": {path: {"sha256": str, "size": int}, …}, "format": int}`` (and
    ``"site": str``) with at least one file; None for any other shape."""
    if (
        type(manifest) is not dict
        or manifest.keys() not in ({"files", "format"}, {"files", "format", "site"})
        or type(manifest["format"]) is not int
        or type(manifest.get("site", "")) is not str
    ):
        return None
    files = manifest["files"]
    if type(files) is not dict or not files:
        return None
    lines = []
    for rel in sorted(files):
        entry = files[rel]
        if (
            type(rel) is not str
            or type(entry) is not dict
            or entry.keys() != {"sha256", "size"}
            or type(entry["sha256"]) is not str
            or type(entry["size"]) is not int
        ):
            return None
        sha, size = _string(entry["sha256"]), repr(entry["size"])
        lines.append(f'  {_string(rel)}: {{\n   "sha256": {sha},\n   "size": {size}\n  }}')
    body = ",\n".join(lines)
    site = f',\n "site": {_string(manifest["site"])}' if "site" in manifest else ""
    return f'{{\n "files": {{\n{body}\n }},\n "format": {manifest["format"]!r}{site}\n}}\n'.encode("utf-8")


def write(
    site: Path,
    signing_key: Path | None = None,
    hashes: dict[str, tuple[str, int]] | None = None,
    listed: list[str] | None = None,
    site_url: str | None = None,
) -> Path:
    """Write ``portal-manifest.json`` into ``site`` and, with ``signing_key``, its signature.
    ``hashes``, ``listed`` and ``site_url``: see :func:`make`."""
    path = site / NAME
    path.write_bytes(dumps(make(site, hashes, listed, site_url)))
    (site / SIGNATURE).unlink(missing_ok=True)
    if signing_key is not None:
        sign(path, signing_key)
    return path


def sign(path: Path, key: Path) -> Path:
    """``ssh-keygen -Y sign -f KEY -n portal-manifest FILE`` → ``FILE.sig``."""
    if not Path(key).is_file():
        raise ManifestError(f"部署签名密钥 {key} 不存在")
    Path(str(path) + ".sig").unlink(missing_ok=True)  # ssh-keygen does not replace an old signature
    done = _ssh_keygen(["-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(path)])
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise ManifestError(f"无法用 {key} 签名网站清单：{said}")
    return Path(str(path) + ".sig")


def check_signature(data: bytes, signature: bytes, allowed_signers: Path) -> str:
    """The signer's principal when ``signature`` is a valid ``portal-manifest`` signature of
    ``data`` by a key of ``allowed_signers``; otherwise :class:`ManifestError`."""
    if not Path(allowed_signers).is_file():
        raise ManifestError(f"允许的签名者文件 {allowed_signers} 不存在")
    with tempfile.TemporaryDirectory() as tmp:
        sig = Path(tmp) / "manifest.sig"
        sig.write_bytes(signature)
        found = _ssh_keygen(["-Y", "find-principals", "-f", str(allowed_signers), "-s", str(sig)])
        listed = found.stdout.decode("utf-8", "replace").strip() if found.returncode == 0 else ""
        principal = listed.splitlines()[0] if listed else None
        if principal is None:
            raise ManifestError("网站清单的签名不是允许的部署密钥所签（或签名已损坏）")
        done = _ssh_keygen(
            ["-Y", "verify", "-f", str(allowed_signers), "-I", principal, "-n", NAMESPACE, "-s", str(sig)], data
        )
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise ManifestError(f"网站清单与签名不符，清单可能被改动：{said}")
    return principal


def _ssh_keygen(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["ssh-keygen", *args], check=False, input=stdin, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise ManifestError("没有 ssh-keygen（OpenSSH 客户端），无法签名或验证网站清单") from None
    except subprocess.TimeoutExpired:
        raise ManifestError("ssh-keygen 超时") from None


def parse(data: bytes, origin: str) -> dict[str, dict]:
    """The ``files`` of a manifest, checked for shape (a manifest is input like any other)."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{origin}: 网站清单不是有效的 JSON（{exc}）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ManifestError(f"{origin}: 网站清单的格式版本不对（应为 {FORMAT}）")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str)
        and isinstance(v, dict)
        and isinstance(v.get("sha256"), str)
        and isinstance(v.get("size"), int)
        for k, v in files.items()
    ):
        raise ManifestError(f"{origin}: 网站清单的 files 应为 路径 → {{sha256, size}}")
    for rel in files:
        parts = rel.split("/")
        if rel.startswith("/") or ".." in parts or "" in parts or "\\" in rel:
            raise ManifestError(f"{origin}: 网站清单中的路径 “{rel}” 不安全")
    return files


def _regular_bytes(path: Path) -> bytes:
    """The bytes of a regular file, opened without blocking: in a web root an attacker may have
    written, a named pipe in place of the manifest would hang ``portal verify`` for good (the cron
    check never reports); it is refused as :class:`OSError` instead."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "不是普通文件（命名管道、设备或目录）")
        return handle.read()


def check_site(data: bytes, expected: str | None, origin: str) -> None:
    """With ``expected`` (``portal verify --site``): the manifest must name that site.  A signature
    proves who signed, not for which site: one deployment key may sign several portals."""
    if not expected:
        return
    try:
        named = json.loads(data.decode("utf-8")).get("site")
    except (UnicodeDecodeError, ValueError, AttributeError):
        named = None
    if not isinstance(named, str) or named.rstrip("/") != expected.rstrip("/"):
        raise ManifestError(
            f"{origin}: 网站清单属于 “{named or '（未写明网站）'}”，不是 “{expected}”：网站根目录可能被整体换成了"
            "另一个网站（或另一份清单）"
        )


def load(root: Path, allowed_signers: Path | None, site: str | None = None) -> tuple[dict[str, dict], str | None]:
    """The manifest's files in ``root`` and the signer (None when no signers were given);
    ``site``: the site it must name (:func:`check_site`)."""
    path = root / NAME
    try:
        data = _regular_bytes(path)
    except OSError as exc:
        raise ManifestError(f"{path}: 无法读取网站清单（{exc.strerror or exc}）") from None
    signer = None
    if allowed_signers is not None:
        try:
            signature = _regular_bytes(root / SIGNATURE)
        except OSError:
            raise ManifestError(f"{root / SIGNATURE}: 网站清单没有签名，无法确认它未被改动") from None
        signer = check_signature(data, signature, allowed_signers)
    check_site(data, site, str(path))
    return parse(data, str(path)), signer


def compare(root: Path, files: dict[str, dict], recorded: "Recorded | None" = None) -> Difference:
    """What differs between the web root ``root`` and the manifest's ``files``.  ``recorded``: a
    file whose status is exactly the one recorded there (:meth:`Recorded.trusted`), with the
    digest and size the manifest lists, is not read again."""
    present = set(_files(root))
    base = str(root)

    def verdict(item: tuple[str, dict]) -> str:
        rel, entry = item
        path = os.path.join(base, rel)
        try:
            st = os.lstat(path)
        except OSError:
            return "missing"
        if rel not in present:
            return "missing"
        if stat.S_ISLNK(st.st_mode):  # listed as a file, now a link: changed (gone when it leads nowhere)
            return "modified" if os.path.isfile(path) else "missing"
        if not stat.S_ISREG(st.st_mode):
            return "missing"
        if recorded is not None and recorded.trusted(rel, st) == (entry["sha256"], entry["size"]):
            return ""
        try:
            if st.st_size != entry["size"] or _digest(path) != entry["sha256"]:
                return "modified"
        except (ManifestError, OSError):  # replaced meanwhile by something that is not a file
            return "modified"
        return ""

    listed = sorted(files.items())
    verdicts = _in_parallel(verdict, listed)
    modified = tuple(rel for (rel, _), v in zip(listed, verdicts) if v == "modified")
    missing = tuple(rel for (rel, _), v in zip(listed, verdicts) if v == "missing")
    extra = sorted(present - set(files))
    return Difference(modified, missing, tuple(extra), len(files))


def restore(root: Path, files: dict[str, dict], trusted: Path, difference: Difference) -> list[str]:
    """Put back modified and missing files from ``trusted`` (a copy of the build, checked
    against the manifest file by file first) and remove extra files; returns what changed."""
    changed = []
    for rel in difference.modified + difference.missing:
        source = trusted / rel
        if not source.is_file() or _digest(source) != files[rel]["sha256"]:
            raise ManifestError(f"可信副本 {trusted} 中的 {rel} 与网站清单不符，不能用它恢复")
    for rel in difference.modified + difference.missing:
        target = root / rel
        _real_folders(root, rel)
        if target.is_symlink() or target.is_dir():
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
        tmp = target.with_name(target.name + ".portal-restore")
        shutil.copyfile(trusted / rel, tmp)
        os.replace(tmp, target)
        changed.append(rel)
    folders = {rel.rsplit("/", n)[0] for rel in files for n in range(1, rel.count("/") + 1)}
    for rel in difference.extra:
        target = root / rel
        if rel in folders:  # a link or file put where a listed folder was: made that folder again above
            continue
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        changed.append(rel)
    return changed


def _real_folders(root: Path, rel: str) -> None:
    """Make every folder on the way from ``root`` to ``rel`` a real folder of the web root: a
    symlink or a file put where a folder was (an attacker's link to a folder of their choice) is
    removed, never written through — restoring writes only inside ``root``."""
    folder = root
    for part in rel.split("/")[:-1]:
        folder = folder / part
        try:
            st = os.lstat(folder)
        except FileNotFoundError:
            folder.mkdir()
            continue
        if stat.S_ISDIR(st.st_mode):
            continue
        folder.unlink()  # a symlink (to a folder or not), a file, a FIFO …
        folder.mkdir()


# --- over HTTP ---------------------------------------------------------------------------------


MANIFEST_MAX_BYTES = 256 * 1024 * 1024  # the manifest of 10,000 pages is about 2 MB


def _fetch(url: str, timeout: float, limit: int = MANIFEST_MAX_BYTES, truncate: bool = False) -> bytes:
    """Bounded in size and total time (:mod:`pipeline.http_get`): the server being verified may be
    the attacker's, answering a byte at a time or without end."""
    return http_get.get(
        url, user_agent="portal-verify", timeout=timeout, limit=limit, total=4 * timeout, truncate=truncate
    )


def fetch_manifest(
    base: str, allowed_signers: Path | None, timeout: float = 30, site: str | None = None
) -> tuple[dict[str, dict], str | None]:
    base = base if base.endswith("/") else base + "/"
    try:
        data = _fetch(urllib.parse.urljoin(base, NAME), timeout)
    except (urllib.error.URLError, OSError) as exc:
        raise ManifestError(f"{base}{NAME}: 无法取得网站清单（{exc}）") from None
    signer = None
    if allowed_signers is not None:
        try:
            signature = _fetch(urllib.parse.urljoin(base, SIGNATURE), timeout)
        except (urllib.error.URLError, OSError):
            raise ManifestError(f"{base}{SIGNATURE}: 网站清单没有签名，无法确认它未被改动") from None
        signer = check_signature(data, signature, allowed_signers)
    check_site(data, site, base + NAME)
    return parse(data, base + NAME), signer


def compare_url(
    base: str, files: dict[str, dict], sample: int | None = None, workers: int = 8, timeout: float = 30
) -> Difference:
    """Fetch the manifest's files (all, or an evenly spread ``sample``) from ``base`` with at
    most ``workers`` requests at a time; a file that cannot be fetched is ``missing`` when the
    server says 404, ``unreachable`` otherwise.  Extra files cannot be listed over HTTP, so each
    ``…/index.html`` is also fetched at its folder address (``/``, ``news/``) — what readers
    open, and what a server preferring an injected ``index.php`` would answer with the
    attacker's page — and must be the same file (named by the folder address when it is not)."""
    base = base if base.endswith("/") else base + "/"
    paths = sorted(files)
    if sample is not None and 0 < sample < len(paths):
        step = len(paths) / sample
        paths = [paths[int(n * step)] for n in range(sample)]
    checks = [(rel, rel, rel) for rel in paths]  # (as reported, address, manifest entry)
    for rel in paths:
        if rel == "index.html" or rel.endswith("/index.html"):
            folder = rel[: -len("index.html")]
            checks.append((folder or "/", folder, rel))

    def one(check: tuple[str, str, str]) -> tuple[str, str | None]:
        label, address, rel = check
        url = urllib.parse.urljoin(base, urllib.parse.quote(address))
        try:
            data = _fetch(url, timeout, files[rel]["size"], truncate=True)  # longer than listed: modified
        except urllib.error.HTTPError as exc:
            return label, "missing" if exc.code in (404, 410) else f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return label, str(getattr(exc, "reason", exc))
        ok = len(data) == files[rel]["size"] and hashlib.sha256(data).hexdigest() == files[rel]["sha256"]
        return label, None if ok else "modified"

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, checks))
    modified = tuple(rel for rel, what in results if what == "modified")
    missing = tuple(rel for rel, what in results if what == "missing")
    unreachable = tuple((rel, what) for rel, what in results if what not in (None, "modified", "missing"))
    return Difference(modified, missing, (), len(paths), unreachable)
