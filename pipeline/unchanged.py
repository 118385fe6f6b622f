"""A rebuild with nothing changed (issue 15: ≤ 3 s at 10k items): every input digested, the live site read.

After a build has swapped its site in, :func:`record` writes ``<work>/last-build.json`` (one
HMAC-SHA256 line under the work folder's key, :func:`pipeline.audit_cache.work_key`, then JSON):

- the digest of every input of that build (:func:`inputs_digest`);
- the digest of the live site's ``portal-manifest.json`` and its signature, of
  ``<work>/review.json``, and of the manifest copy when one is kept;
- what the command line prints about the build (:class:`Summary`).

The next build with ``BuildOptions.skip_unchanged`` (``portal build`` without
``--no-incremental``) asks :func:`current` first.  It answers with the stored summary only when:

- the inputs digest is the same;
- the live site is exactly what its manifest lists, none missing, none added: each file is read
  and hashed again (on every core) unless its status — inode, device, size, modification and
  status-change time — is exactly the one the last build recorded for it in the page record
  (``<work>/pages.msgpack``, sealed under the same key, naming this manifest) when it had checked
  that very file's bytes, and that status is older than the record's snapshot by more than
  ``mkdocs_pages.RACY_NS``.  Writing a file, or setting its modification time back, sets its
  status-change time to now, which no program can set back: a page defaced on the web server,
  whatever its modification time, means the build runs and puts the published version back (the
  trust ``mkdocs_pages`` and ``manifest.hash_site`` give the same record; POSIX ``ctime`` assumed);
- the manifest is the one recorded, and ``review.json`` (and the manifest copy) are as written.

Anything else — a changed input, a damaged, foreign or forged record, a killed build — runs the
build, which is the same build as without this module.

What counts as an input, read on every call (nothing is taken from file times):

- every file under the content folder, by path and bytes (items, pages, attachments, data files,
  the 索引号 ledger);
- every file under the configuration folder, ``mkdocs.yml``, the theme folder it names (linked
  folders in it walked as mkdocs reads them), the files
  its ``hooks`` and ``INHERIT`` name, the folders ``pymdownx.snippets`` includes from (its
  ``base_path``; with ``url_download`` the build always runs), and the allowed-signers text made
  from ``reviewers.yaml``;
- Pagefind's settings outside the build's options: the ``PAGEFIND_*`` environment variables and
  ``pagefind.yml``/``.yaml``/``.toml``/``.json`` in the working folder;
- the upstream (查重) and traffic databases, byte for byte (with their ``-wal`` files), and the
  local-file upstream sources (``upstream.yaml`` ``file:``, relative to the project root: they
  may lie outside the content folder; every build reads them into the database);
- every module of ``pipeline/``, the Python version and every installed distribution's version
  (mkdocs, material, Pagefind, the scanners' libraries …);
- the options that change what is built: strict, search, render, the reference day — ``--as-of``,
  or today in the portal's time zone when none is given (the plausible-date bound and the expiry
  of reviewers' keys follow the clock) —, the Markdown settings, the signing key's bytes and the
  manifest copy folder;
- ``git rev-parse HEAD``, whether the history is shallow and the ``refs/replace/`` refs (which
  change what ``git log`` shows without changing HEAD), of the repository holding the content
  (审签 and the backdating checks read the history).

A FIFO, device or socket among the inputs is named, never opened (it would block); a live file
that cannot be read means the build runs.

The content is digested before the build reads it (a file saved during the build differs next
time, so the next build runs).  A build that assigned new 索引号 wrote the ledger, an input: the
record takes the ledger as the build wrote it, so the build after it can stop here.  The
databases keep the digest taken before the build, whoever wrote them during it (``portal upstream
ingest`` and ``portal traffic ingest`` take no build lock): the build that made the upstream store
is followed by one more build before the next early stop.

Why about 480 lines: the list of inputs, the record and its checks are one contract; splitting
the digest from the check would put the two halves of "what counts as unchanged" apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from importlib import metadata
from pathlib import Path

import yaml

from pipeline import audit_cache, manifest, mkdocs_pages, publish
from pipeline.rendered import MarkdownSettings, SettingsError

RECORD = "last-build.json"  # in --work
FORMAT = 1
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Summary:
    """What ``portal build`` prints about a build, kept so a build that stops early prints it too."""

    published: int
    files: int
    docs_files: int
    findings: tuple[str, ...] = ()  # Finding.text() of each finding
    withheld: tuple[tuple[str, str, bool], ...] = ()  # (item path, blocking rules, declared)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # mkdocs' warnings

    @classmethod
    def from_json(cls, data) -> "Summary | None":
        try:
            return cls(
                published=_int(data["published"]),
                files=_int(data["files"]),
                docs_files=_int(data["docs_files"]),
                findings=_strings(data["findings"]),
                withheld=tuple((_str(p), _str(r), bool(d)) for p, r, d in data["withheld"]),
                notes=_strings(data["notes"]),
                warnings=_strings(data["warnings"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _int(value) -> int:
    if type(value) is not int:
        raise TypeError(value)
    return value


def _str(value) -> str:
    if type(value) is not str:
        raise TypeError(value)
    return value


def _strings(value) -> tuple[str, ...]:
    if type(value) is not list:
        raise TypeError(value)
    return tuple(_str(v) for v in value)


def _tree(root: Path, follow: bool = False) -> dict[str, bytes]:
    """Every file under ``root`` → the digest of its bytes (a symlink: also the link text);
    ``{"": …}`` for a single file or a missing root.  ``follow``: linked folders are walked too
    (each real folder once), as mkdocs reads the theme; the content folder is not (the build
    reads no folder linked from outside it, and walking one could read the whole disk)."""
    if not root.exists():
        return {"": b"-"}
    if not root.is_dir():
        return {"": _file_digest(str(root))}
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    pending = [(str(root), "")]  # one scandir a folder: no lstat, relpath or islink per file
    while pending:
        folder, prefix = pending.pop()
        real = os.path.realpath(folder)
        if real in seen:  # a link loop or a second link to the same folder: its files are listed once
            continue
        seen.add(real)
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:  # as os.walk: a folder that cannot be listed is passed over
            continue
        below = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()  # a link to a folder counts as one (followed only with ``follow``)
            except OSError:
                is_dir = False
            link = entry.is_symlink()
            if is_dir and (follow or not link):
                below.append((entry.path, prefix + entry.name + "/"))
            if is_dir and not link:
                continue
            text = b"link\0" + os.readlink(entry.path).encode("utf-8", "surrogateescape") if link else b""
            files[prefix + entry.name] = text + _file_digest(entry.path)
        pending.extend(reversed(below))  # os.walk's order: which of two links to one folder lists it
    return files


def _hash_tree(h, root: Path | None, label: str, follow: bool = False) -> None:
    h.update(f"\0tree\0{label}\0".encode())
    if root is None:
        h.update(b"none")
        return
    _hash_files(h, _tree(root, follow))


def _hash_files(h, files: dict[str, bytes]) -> None:
    """In sorted order, so the digest does not depend on the file system's order."""
    for rel in sorted(files):
        h.update(b"\0" + rel.encode("utf-8", "surrogateescape") + b"\0" + files[rel])


def _file_digest(path: str) -> bytes:
    """The SHA-256 of a regular file's bytes, read in blocks; a FIFO, device or socket is never
    read (opening a FIFO for reading would wait for a writer for ever), only named."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        return b"dir"
    except OSError as exc:  # unreadable now: the build will say so; never equal to a readable file
        return f"unreadable:{exc.errno}".encode()
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return b"dir"
        if not stat.S_ISREG(mode):
            return f"special:{stat.S_IFMT(mode)}".encode()
        h = hashlib.sha256()
        while block := os.read(fd, 1 << 20):
            h.update(block)
        return h.digest()
    except OSError as exc:
        return f"unreadable:{exc.errno}".encode()
    finally:
        os.close(fd)


def _mkdocs_yaml(mkdocs_file: Path) -> dict:
    """``mkdocs.yml`` read once for the theme folder and the files it names ({} when unreadable:
    the file's own bytes are digested anyway, and the build then fails on it)."""
    try:
        data = yaml.safe_load(mkdocs_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _theme_dir(data: dict, mkdocs_file: Path) -> Path | None:
    try:
        custom = data["theme"]["custom_dir"]
    except (KeyError, TypeError):
        return None
    return (mkdocs_file.parent / str(custom)).resolve() if custom else None


def _git_state(content: Path) -> str:
    """HEAD, shallowness and the replace refs (``git replace`` changes the history ``git log``
    shows — first commits, approvals — without changing HEAD)."""
    answers = []
    for args in (
        ["rev-parse", "HEAD", "--is-shallow-repository"],
        ["for-each-ref", "--format=%(objectname) %(refname)", "refs/replace/"],
    ):
        try:
            done = subprocess.run(
                ["git", "-C", str(content), *args],
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C.UTF-8"},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"git-unavailable:{type(exc).__name__}"
        answers.append(f"{done.returncode}\0{done.stdout}")
    return "\0".join(answers)


def _mkdocs_files(data: dict, mkdocs_file: Path, work: Path) -> list[Path]:
    """Files ``mkdocs.yml`` names that mkdocs reads besides the theme: ``hooks`` (Python run on
    every page) and ``INHERIT``; relative names as mkdocs resolves them from the generated
    config in ``work``, and from ``mkdocs.yml``'s folder."""
    hooks = data.get("hooks")
    names = [str(h) for h in hooks] if isinstance(hooks, list) else []
    if data.get("INHERIT"):
        names.append(str(data["INHERIT"]))
    return [base / name for name in names for base in (work, mkdocs_file.parent)]


def _upstream_files(config) -> list[Path]:
    """The local-file upstream (查重) sources every build reads (relative to the project root,
    :func:`pipeline.feeds.fetch`): they may lie outside the content folder."""
    root = Path(config.root).parent
    return [
        path if path.is_absolute() else root / path
        for path in (Path(s.url) for s in config.upstream.sources if not s.is_remote)
    ]


def _markdown(options) -> MarkdownSettings | SettingsError:
    """The Markdown settings the gate renders with: as given, or as the build reads them from
    ``mkdocs.yml`` (the same settings either way give the same digest); the error when unreadable."""
    if options.markdown is not None:
        return options.markdown
    try:
        return MarkdownSettings.from_mkdocs(Path(options.mkdocs_file))
    except SettingsError as exc:
        return exc


def _snippet_roots(settings: MarkdownSettings | SettingsError) -> list[Path] | None:
    """The folders ``pymdownx.snippets`` includes files from (its ``base_path``, relative to the
    working folder as the extension reads it; default the working folder itself); None when it
    may download snippets (``url_download``): then nothing can be known unchanged."""
    if isinstance(settings, SettingsError):
        return []
    try:
        configs = json.loads(settings.configs_json)
    except ValueError:
        return []
    names = [n for n in settings.extensions if n.split(":")[0] == "pymdownx.snippets"]
    if not names:
        return []
    conf = configs.get(names[0]) if isinstance(configs, dict) else None
    conf = conf if isinstance(conf, dict) else {}
    if conf.get("url_download"):
        return None
    base = conf.get("base_path", ["."])
    return [Path(str(b)) for b in (base if isinstance(base, list) else [base])]


def _distributions() -> list[str]:
    return sorted({f"{d.metadata['Name']}={d.version}" for d in metadata.distributions() if d.metadata["Name"]})


@dataclass(frozen=True)
class Inputs:
    """What a build reads: the content folder file by file, and the digest of everything else."""

    rest: str
    content: dict = field(default_factory=dict, compare=False)  # relative path → digest of the bytes
    databases: dict = field(default_factory=dict, compare=False)  # path → digest (b"-": none)

    @property
    def digest(self) -> str:
        h = hashlib.sha256(self.rest.encode())
        _hash_files(h, self.content)
        h.update(b"\0databases")
        _hash_files(h, self.databases)
        return h.hexdigest()

    def with_file(self, rel: str, data: bytes) -> "Inputs":
        """The same inputs with the content file ``rel`` holding ``data`` (the 索引号 ledger the
        build itself wrote: the build after it has nothing new to do)."""
        return replace(self, content={**self.content, rel: hashlib.sha256(data).digest()})


def inputs_of(options, config, today: str | None = None) -> Inputs:
    """Everything the build of ``options`` (:class:`pipeline.build.BuildOptions`) with
    ``config`` reads (see the module's docstring).  ``today``: the portal's date when no
    reference day is given (for tests; default: the clock in the portal's time zone)."""
    h = hashlib.sha256(f"portal-build-inputs/{FORMAT}\0{sys.version}\0".encode())
    for source in sorted(HERE.rglob("*.py")):
        h.update(source.relative_to(HERE).as_posix().encode() + b"\0" + _file_digest(str(source)))
    h.update("\0".join(_distributions()).encode())
    if options.as_of is not None:
        day = f"as-of:{options.as_of.isoformat()}"
    else:
        day = f"today:{today or datetime.now(config.portal.tz).date().isoformat()}"
    markdown = _markdown(options)
    mkdocs_file = Path(options.mkdocs_file)
    mkdocs_data = _mkdocs_yaml(mkdocs_file)
    settings = {
        "strict": options.strict,
        "render_site": options.render_site,
        "search": options.search,
        "day": day,
        "markdown": f"unreadable:{markdown}" if isinstance(markdown, SettingsError) else repr(markdown),
        "sign_key": str(options.sign_key) if options.sign_key else None,
        "manifest_copy": str(Path(options.manifest_copy).resolve()) if options.manifest_copy else None,
        "out": str(Path(options.out).resolve()),
        "content": str(Path(options.content).resolve()),
    }
    h.update(json.dumps(settings, sort_keys=True, ensure_ascii=False).encode())
    h.update(repr(config).encode())
    h.update(config.review.allowed_signers().encode())
    _hash_tree(h, Path(options.config_dir), "config")
    _hash_tree(h, mkdocs_file, "mkdocs.yml")
    _hash_tree(h, _theme_dir(mkdocs_data, mkdocs_file), "theme", follow=True)
    # Pagefind runs with this process's environment and working folder: its PAGEFIND_* variables
    # and its configuration file there change the search index
    pagefind = sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("PAGEFIND"))
    h.update(json.dumps(pagefind, ensure_ascii=False).encode())
    for name in ("pagefind.yml", "pagefind.yaml", "pagefind.toml", "pagefind.json"):
        _hash_tree(h, Path.cwd() / name, f"pagefind:{name}")
    for extra in _mkdocs_files(mkdocs_data, mkdocs_file, Path(options.work)):
        _hash_tree(h, extra, f"mkdocs:{extra}")
    snippets = _snippet_roots(markdown)
    if snippets is None:
        h.update(os.urandom(16))  # snippets from the network: always build
    for root in snippets or ():
        _hash_tree(h, root.resolve(), f"snippets:{root}")
    for feed in _upstream_files(config):
        _hash_tree(h, feed, f"upstream:{feed}")
    if options.sign_key:
        _hash_tree(h, Path(options.sign_key), "sign-key")
    h.update(_git_state(Path(options.content)).encode())
    upstream = Path(options.upstream_db or Path(options.work) / "upstream.sqlite")
    databases = [
        str(db.with_name(db.name + suffix))
        for db in (upstream.resolve(), (Path(options.work) / "traffic.sqlite").resolve())
        for suffix in ("", "-wal")
    ]
    return Inputs(h.hexdigest(), _tree(Path(options.content)), _databases(databases))


def _databases(paths: list[str]) -> dict[str, bytes]:
    return {path: _file_digest(path) if os.path.exists(path) else b"-" for path in paths}


def inputs_digest(options, config, today: str | None = None) -> str:
    return inputs_of(options, config, today).digest


def regular_file_digest(path: Path) -> str:
    """The SHA-256 of a regular file; "" when it is missing, unreadable or not a regular file
    (a FIFO put in place of the live manifest is never opened: reading it would block)."""
    digest = _file_digest(str(path))
    return "" if digest == b"dir" or digest.startswith((b"unreadable:", b"special:")) else digest.hex()


def load(work: Path) -> dict | None:
    """The record of the last build, or None when it is missing, damaged or not written with
    this work folder's key."""
    try:
        payload = audit_cache.unseal(audit_cache.work_key(work), (Path(work) / RECORD).read_bytes())
        record = json.loads(payload.decode("utf-8")) if payload is not None else None
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None
    return record


def record(options, inputs: str, summary: Summary) -> None:
    """After a build's swap: what :func:`current` compares the next build with."""
    work = Path(options.work)
    key = audit_cache.work_key(work)
    path = work / RECORD
    if key is None:
        path.unlink(missing_ok=True)
        return
    live = publish.live_dir(Path(options.out))
    body = {
        "format": FORMAT,
        "inputs": inputs,
        "site": regular_file_digest(live / manifest.NAME),
        "signature": regular_file_digest(live / manifest.SIGNATURE),
        "review": regular_file_digest(work / "review.json"),
        "copy": _copy_digests(options),
        "summary": asdict(summary),
    }
    payload = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    try:
        publish.write_atomic(path, audit_cache.seal(key, payload))
    except OSError:  # a full disk after the swap: the site is published; the next build just runs
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def forget(work: Path) -> None:
    """Before a build changes anything: a build killed later must not leave a record that
    still matches (its site may be half-swapped, its review.json rewritten)."""
    (Path(work) / RECORD).unlink(missing_ok=True)


def _copy_digests(options) -> list[str] | None:
    if options.manifest_copy is None:
        return None
    target = Path(options.manifest_copy)
    return [regular_file_digest(target / name) for name in (manifest.NAME, manifest.SIGNATURE)]


def current(options, config, inputs: str) -> Summary | None:
    """The last build's summary when nothing it was built from changed and the live site is
    intact (see the module's docstring); None: build."""
    last = load(Path(options.work))
    if last is None or last.get("inputs") != inputs:
        return None
    live = publish.live_dir(Path(options.out))
    if not last.get("site") or regular_file_digest(live / manifest.NAME) != last["site"]:
        return None
    if regular_file_digest(live / manifest.SIGNATURE) != last.get("signature"):
        return None
    if regular_file_digest(Path(options.work) / "review.json") != last.get("review"):
        return None
    if _copy_digests(options) != last.get("copy"):
        return None
    summary = Summary.from_json(last.get("summary"))
    if summary is None or not site_intact(live, recorded_files(Path(options.work), last["site"])):
        return None
    return summary


PAGE_RECORD = mkdocs_pages.RECORD_FILE


def recorded_files(work: Path, site_digest: str) -> manifest.Recorded | None:
    """Every file of the live site with the digest and status the last build recorded for it —
    its pages (``PageEntry.output`` and ``stat``) and the other files it hashed (``extra["files"]``)
    — when the page record under ``work`` is sealed with the work folder's key and names the site
    whose manifest has ``site_digest``; None otherwise (every file is read)."""
    record = mkdocs_pages.PageRecord.load(work / PAGE_RECORD, audit_cache.work_key(work))
    if record is None or not site_digest or record.site != site_digest:
        return None
    return record.recorded(with_pages=True)


def site_intact(site: Path, recorded: manifest.Recorded | None = None) -> bool:
    """Every file of ``site`` is the one its manifest lists (same bytes), none missing or extra;
    a file whose status is exactly the one ``recorded`` for it, with the digest the manifest lists,
    is not read again."""
    try:
        files = manifest.parse((site / manifest.NAME).read_bytes(), str(site))
        return manifest.compare(site, files, recorded).clean
    except (OSError, manifest.ManifestError):  # a file that cannot be read now: build (and say why)
        return False
