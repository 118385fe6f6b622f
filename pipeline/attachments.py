"""Attachments belong to their items (附件随条目): ownership, content scan, what may be copied.

Every item and static page — published or not — is read for the files of ``content/files/``
it refers to, by any route a reader's browser or the site's engine would follow: Markdown
links and images (inline, reference-style, autolinks), raw HTML (``href``, ``src``,
``srcset``, ``data``, ``poster`` … via :mod:`pipeline.rendered`), attribute lists, the
``attachments:`` front matter, and — for safety — any ``files/…`` path written in the text.
A URL is resolved the way a browser and the web server do: relative to the page's URL and
(as mkdocs rewrites links) to its docs file, absolute ``/files/…``, the site's own host
(``https://<site_url>/files/…``), percent-encoding decoded (also twice), ``%2e%2e`` and
``..``, backslashes, duplicate slashes, query and fragment dropped; then matched against
the files on disk ignoring case and Unicode normal form (a case-insensitive server serves
``X.PDF`` for ``x.pdf``), with symlinks resolved (``realpath``).

Rules (:func:`attach`):

* A file referenced by any withheld item or page — withheld for any reason, including
  dedup — is withheld, whoever else links it; so is any file with the same bytes.  A
  published item or page referring to it gets ``withheld-attachment`` and is withheld
  itself, and then its own files are withheld too (to a fixed point).
* A reference that resolves outside ``content/files`` through a symlink: ``symlink``.
* Files referenced by published items and pages are read once, hashed (SHA-256) and their
  text scanned (:mod:`pipeline.attachment_text`, the gate's scanners): ``marker``, ``pii``,
  ``sensitive-word`` (and ``unsafe-html`` for SVG/HTML) withhold the items that link the file;
  hidden sheets, rows, columns, unaccepted revisions and hidden text are ``hidden-content``
  warnings; a file that cannot be read, or a type not listed in ``unscanned_attachment_types``
  of ``confidentiality.yaml``, is ``unscannable-attachment`` (withheld).
* When the check itself cannot run — a referenced file cannot be opened, the scanners could
  not be built, an unexpected error, a file changed while it was being checked — the items
  get ``gate-failure``, which stops ``portal build`` (:data:`pipeline.findings.INFRASTRUCTURE_RULES`):
  nothing unchecked is published.
* A referenced file that does not exist: ``missing-attachment`` (warning).  A file under
  ``content/files`` nobody published refers to is not copied: ``unreferenced-attachment``
  (warning, named by the file).

Only the files in :attr:`Attached.files` may be copied into the site, and only with the
bytes that were hashed (:func:`verified_bytes`).  The runner remembers verdicts and URLs
between builds and scans files on every core (:mod:`pipeline.attachment_memos`, passed in as
``urls_of``/``verdicts_of``); this module knows nothing of either.  Pure over its inputs apart
from reading the referenced files; never prints.

Why one module of about 750 lines: the three parts — who refers to what (every route a link can
take to a file), what a file's bytes hold (verdicts), and the ownership fixed point — are one
decision, and each part's rules are written against the other two; splitting them would spread
one security argument over three files.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

from pipeline import attachment_text, cpu_limit
from pipeline.config import Config
from pipeline.findings import ERROR, Finding, error, warning
from pipeline.rendered import MarkdownSettings, reader_view, render_html, unescape  # unescape: never raises on &#999…;
from pipeline.scanners import Scanners, fold

FILES = "files"
SCAN_RULES = ("marker", "pii", "sensitive-word", "unsafe-html")


# --- who refers to what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """An item or static page (or a file that failed to load) and where it is published."""

    path: str  # relative to content/: items/…/x.md, pages/x.md
    docs_path: str  # its docs-tree file (mkdocs resolves relative links against it)
    url: str  # its site URL, site-relative with a trailing slash
    texts: tuple[str, ...]  # Markdown text the page shows (body, summary …)
    hrefs: tuple[tuple[str, int | None], ...] = ()  # attachments: entries (href, line)
    body_line: int | None = None
    raw_only: bool = False  # a file that did not load: only its raw text is known


def item_owner(item) -> Owner:
    texts = (item.body,) + ((item.summary,) if item.summary else ())
    line = item.line_of("attachments")
    return Owner(
        item.path, item.docs_path, item.url, texts, tuple((a.href, line) for a in item.attachments), item.body_line
    )


def page_owner(page) -> Owner:
    path = f"pages/{page.name}.md"
    return Owner(path, page.docs_path, page.docs_path[:-3] + "/", (page.body,), (), getattr(page, "body_line", None))


def raw_owner(path: str, text: str) -> Owner:
    """A content file that did not load (broken YAML …): where it would have been published is
    guessed from its path, and every route is tried on its raw text."""
    parts = path.split("/")
    docs = "/".join(parts[1:]) if parts[0] in ("items", "pages") and len(parts) > 1 else path
    return Owner(path, docs, docs.rsplit(".", 1)[0] + "/", (text,), (), 1, raw_only=True)


@dataclass(frozen=True)
class SiteRoot:
    """Where the site lives: its host names and path prefix (from portal.yaml's site_url)."""

    hosts: frozenset[str]
    prefix: tuple[str, ...]

    @classmethod
    def from_url(cls, site_url: str) -> "SiteRoot":
        parts = urlsplit(site_url or "")
        host = (parts.hostname or "").rstrip(".").lower()
        hosts = {host, host[4:] if host.startswith("www.") else "www." + host} if host else set()
        return cls(frozenset(h for h in hosts if h), tuple(s for s in parts.path.split("/") if s))


_STRIP = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_DOT = {".", "%2e"}
_DOTDOT = {"..", ".%2e", "%2e.", "%2e%2e"}


def _resolve_segments(base: list[str], path: str) -> tuple[str, ...]:
    """``path`` (``/`` separated, ``..`` clamped at the root as browsers do) against ``base``."""
    out = [] if path.startswith("/") else list(base)
    segments = path.split("/")
    for n, seg in enumerate(segments):
        low = seg.lower()
        if low in _DOT:
            continue
        if low in _DOTDOT:
            if out:
                out.pop()
            continue
        if seg or n == len(segments) - 1:
            out.append(seg)
    return tuple(s for s in out if s)


def _decodings(path: str) -> list[str]:
    """The path as written and percent-decoded once, twice … (servers decode, some twice)."""
    out = [path]
    for _ in range(3):
        nxt = unquote(out[-1])
        if nxt == out[-1]:
            break
        out.append(nxt.replace("\\", "/"))
    return out


def url_targets(url: str, owner: Owner, site: SiteRoot) -> set[str]:
    """Content-relative paths (``files/…`` or anything else) that ``url`` on ``owner``'s page
    may fetch: browser resolution against the page URL, mkdocs' against its docs file."""
    url = _STRIP.sub("", unescape(url)).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f \x1f")
    url = url.replace("\\", "/")
    relative_ok = True
    m = _SCHEME.match(url)
    if m:
        scheme = m.group(1).lower()
        if scheme not in ("http", "https"):
            return set()  # mailto:, tel:, data: …: no file of the site
        url = url[m.end() :]
        if not url.startswith("//"):
            relative_ok = True  # "https:files/x" is relative to an https page
    if url.startswith("//"):
        rest = url[2:]
        cut = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
        host = unquote(rest[:cut]).rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".").lower()
        if host not in site.hosts:
            return set()
        url = "/" + rest[cut:].lstrip("/") if rest[cut : cut + 1] == "/" else "/"
        relative_ok = False
    path = url.split("#", 1)[0].split("?", 1)[0]
    page = [s for s in owner.url.split("/") if s]
    docs_dir = [s for s in owner.docs_path.split("/")[:-1] if s]
    out: set[str] = set()
    for decoded in _decodings(path):
        # the browser: against the page URL under the site's prefix
        segs = _resolve_segments(list(site.prefix) + page, decoded)
        if tuple(segs[: len(site.prefix)]) == site.prefix:
            out.add("/".join(segs[len(site.prefix) :]))
        if relative_ok and not decoded.startswith("/"):
            out.add("/".join(_resolve_segments(docs_dir, decoded)))  # mkdocs' rewrite
            out.add("/".join(_resolve_segments([], decoded)))  # written relative to content/
        elif decoded.startswith("/"):
            out.add("/".join(_resolve_segments([], decoded)))  # /files/… on a site without a prefix
    return out


_LINK_SYNTAX = ("](", "]:", "<", "{")
_TOKEN = re.compile(r"[^\s<>\"'()\[\]{}|`]+")
# A URL that reaches /files/ spells "files" — plainly in any case, or with percent-encoding,
# HTML entities or Markdown backslash escapes: a text with none of these refers to no file.
_CANDIDATE = re.compile(r"files|%[0-9a-f]{2}|&#|&[a-z][a-z0-9]*;|\\", re.IGNORECASE)


def owner_urls(owner: Owner, settings: MarkdownSettings) -> list[str]:
    """Every URL the owner's page may contain: rendered links and embeds, and raw tokens that
    mention ``files`` (in any case or encoding) as a safety net."""
    urls: list[str] = [href for href, _ in owner.hrefs]
    for text in owner.texts:
        if not _CANDIDATE.search(text):
            continue
        if not owner.raw_only and any(s in text for s in _LINK_SYNTAX):
            try:
                urls += reader_view(cpu_limit.run(render_html, text, settings, seconds=cpu_limit.BUDGET)).urls
            except Exception:  # noqa: BLE001 - the raw tokens below still see every path
                pass
        plain = unescape(text)
        if "%" in plain or "files" in plain.lower() or "\\" in plain:
            for token in _TOKEN.findall(plain):
                if FILES in unquote(unquote(token)).lower():
                    urls.append(token)
                    # a token glued to prose: "见files/2026/x.pdf" — start at the path
                    low = token.lower()
                    at = low.find(FILES)
                    if at > 0:
                        urls.append(token[at:])
    return urls


# --- files on disk ---------------------------------------------------------------------------


def _key(rel: str) -> str:
    parts = unicodedata.normalize("NFC", rel).casefold().split("/")
    return "/".join(p.rstrip(". ") or p for p in parts)


@dataclass(frozen=True)
class Target:
    rel: str  # files/… as it exists on disk (the site path)
    real: str  # realpath
    escapes: bool = False  # a symlink out of content/files


class FileIndex:
    """The files under ``content/files`` by case-folded path, and resolution of a path to them."""

    def __init__(self, content_dir: Path):
        self.content = os.path.realpath(content_dir)
        self.base = os.path.abspath(content_dir)
        self.root = os.path.realpath(os.path.join(content_dir, FILES))
        self.by_key: dict[str, list[str]] = {}
        self.all: list[str] = []
        top = os.path.join(self.base, FILES)
        if os.path.isdir(top):
            for folder, dirs, names in os.walk(top):  # symlinked folders are not walked (resolved on lookup)
                dirs.sort()
                prefix = os.path.relpath(folder, self.base).replace(os.sep, "/")
                for name in sorted(names):
                    rel = f"{prefix}/{name}"
                    self.all.append(rel)
                    self.by_key.setdefault(_key(rel), []).append(rel)

    def lookup(self, rel: str) -> list[Target]:
        found: list[str] = []
        bare = rel.rstrip("/")
        # what the engine or a web server may serve for this path: the file, a page rendered from
        # a .md, a folder's index
        for candidate in (
            rel,
            bare + ".md",
            bare + "/index.md",
            bare + "/README.md",
            bare + "/index.html",
            bare + "/index.htm",
        ):
            found = list(self.by_key.get(_key(candidate), []))
            full = os.path.join(self.base, *candidate.split("/"))
            if candidate not in found and os.path.isfile(full):
                found.append(candidate)  # through a symlinked folder
            if found:
                break
        if not found and bare:
            # content negotiation (Apache MultiViews) serves files/x.pdf for files/x
            prefix = _key(bare) + "."
            found = [
                name
                for key, names in self.by_key.items()
                if key.startswith(prefix) and "/" not in key[len(prefix) :]
                for name in names
            ]
        out = []
        for name in sorted(set(found)):
            real = os.path.realpath(os.path.join(self.base, *name.split("/")))
            inside = real.startswith(self.root + os.sep)
            if inside and not os.path.isfile(real):
                continue
            out.append(Target(name, real, escapes=not inside))
        return out


@dataclass(frozen=True)
class Refs:
    targets: tuple[Target, ...]
    missing: tuple[str, ...]


def owner_refs(
    owner: Owner, index: FileIndex, site: SiteRoot, settings: MarkdownSettings, urls: list[str] | None = None
) -> Refs:
    targets: dict[str, Target] = {}
    missing: set[str] = set()
    listed = {href for href, _ in owner.hrefs}
    for url in owner_urls(owner, settings) if urls is None else urls:
        under_files = False
        for rel in url_targets(url, owner, site):
            head = rel.split("/", 1)[0]
            if head.casefold() != FILES or rel.casefold() == FILES:
                continue
            under_files = True
            found = index.lookup(rel)
            for t in found:
                targets.setdefault(t.rel, t)
            if not found:
                missing.add(rel)
        if not under_files and url in listed and not _SCHEME.match(url.strip()) and not url.strip().startswith("//"):
            missing.add(url.strip())  # an attachments: entry outside files/ ("a.pdf"): a dead link, said so
    # a path that some route found is not missing because another route missed
    found_keys = {_key(t.rel) for t in targets.values()}
    return Refs(
        tuple(targets[k] for k in sorted(targets)), tuple(sorted(m for m in missing if _key(m) not in found_keys))
    )


def referenced_files(
    items: Iterable, content_dir: Path | str, config: Config, settings: MarkdownSettings, urls_of=None
) -> dict[str, tuple[str, ...]]:
    """item path → the files under ``content/files`` it refers to, by every route :func:`attach`
    follows (``files/…``, as on disk; a link escaping through a symlink left out — it is never
    published).  What a signed 审签 of the item covers with it (:mod:`pipeline.provenance`)."""
    owners = [item_owner(i) for i in items]
    index = FileIndex(Path(content_dir))
    site = SiteRoot.from_url(config.portal.site_url)
    urls_of = urls_of or (lambda owners, urls: [urls(o) for o in owners])
    found = urls_of(owners, lambda o: owner_urls(o, settings))
    return {
        o.path: tuple(t.rel for t in owner_refs(o, index, site, settings, u).targets if not t.escapes)
        for o, u in zip(owners, found)
    }


# --- verdicts on file contents -------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the scan of one file's bytes found (independent of who links it)."""

    kind: str
    hits: tuple[tuple[str, str, str, str], ...] = ()  # (rule, where, match, what)
    hidden: tuple[str, ...] = ()
    unreadable: str | None = None  # the whole file could not be read
    unreadable_parts: tuple[str, ...] = ()
    failed: str | None = None  # the check itself failed (no scanners, an error, a file changed): never cached
    text_key: str | None = None  # SHA-256 of the file's words (see text_key): the same text in other bytes

    def to_json(self) -> dict:
        assert self.failed is None, "a failed check is never cached"
        return {
            "kind": self.kind,
            "hits": [list(h) for h in self.hits],
            "hidden": list(self.hidden),
            "unreadable": self.unreadable,
            "unreadable_parts": list(self.unreadable_parts),
            "text_key": self.text_key,
        }

    @classmethod
    def from_json(cls, data) -> "Verdict":
        if type(data) is not dict or not isinstance(data.get("kind"), str):
            raise ValueError("bad verdict")
        hits = tuple(tuple(h) for h in data["hits"])
        if any(len(h) != 4 or not all(isinstance(x, str) for x in h) for h in hits):
            raise ValueError("bad hits")
        hidden = tuple(data["hidden"])
        parts = tuple(data["unreadable_parts"])
        if not all(isinstance(x, str) for x in hidden + parts) or not (
            data["unreadable"] is None or isinstance(data["unreadable"], str)
        ):
            raise ValueError("bad verdict")
        text_key = data["text_key"]
        if not (text_key is None or (isinstance(text_key, str) and re.fullmatch(r"[0-9a-f]{64}", text_key))):
            raise ValueError("bad text key")
        return cls(data["kind"], hits, hidden, data["unreadable"], parts, text_key=text_key)


def scan_text(text: str, scanners: Scanners, markup: bool = False) -> list:
    """The gate's scanners on one piece of attachment text (the HTML rule only for markup)."""
    return scanners.scan(text, html=markup)


TEXT_KEY_MIN = 40  # letters and digits a document needs before its text identifies it


def text_key(pieces) -> str | None:
    """The document's words — folded (full-width, traditional, invisible characters), without
    spaces, punctuation or markup — hashed: the same for a copy saved again, converted to another
    format (docx → pdf), renamed or with its properties changed.  None for a file with too little
    text to tell (a picture, a heading)."""
    words = "".join(
        ch for p in pieces if not p.markup and not p.where.startswith(_NOT_TEXT) for ch in fold(p.text) if ch.isalnum()
    )
    return hashlib.sha256(words.encode("utf-8")).hexdigest() if len(words) >= TEXT_KEY_MIN else None


# pieces that are not the document's words: properties and metadata differ between copies
# (nor are a legacy text read in another encoding, attachment_base.other_decodings, a PDF page
# read again as laid out and a Word paragraph read again with its symbol fonts' stars: the same words)
_NOT_TEXT = ("文档属性", "图片元数据", "XMP", "定义的名称", "书签", "早期版本", "其他编码", "版面顺序", "符号字体")


def verdict_of(name: str, data: bytes, scanners: Scanners) -> Verdict:
    try:
        extracted = attachment_text.extract(name, data)
    except attachment_text.Unreadable as exc:
        return Verdict(attachment_text.kind_of(name, data), unreadable=str(exc))
    hits: list[tuple[str, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for piece in extracted.pieces:
        for hit in scan_text(piece.text, scanners, piece.markup):
            key = (hit.rule, "".join(hit.match.split()))
            if key in seen:
                continue  # the same text found again by the package sweep
            seen.add(key)
            hits.append((hit.rule, piece.where, hit.match, hit.what))
    body = [p for p in extracted.pieces if "内部部件" not in p.where]  # the package sweep repeats the text
    return Verdict(
        extracted.kind, tuple(hits), extracted.hidden, None, extracted.unreadable_parts, text_key=text_key(body)
    )


# --- the stage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachedFile:
    """A file that may be copied into the site: its site path, where it is, its SHA-256."""

    path: str  # files/… (the same path under site/)
    real: str
    sha256: str
    owners: tuple[str, ...]  # published items and pages that refer to it


@dataclass(frozen=True)
class Attached:
    files: tuple[AttachedFile, ...]
    blocked: tuple[str, ...]  # owners (item / page paths) withheld by this stage
    findings: tuple[Finding, ...]
    withheld_files: tuple[str, ...] = ()  # files/… paths of withheld owners (never copied)
    reasons: dict = field(default_factory=dict, compare=False)  # owner path → its blocking findings


def _read(real: str) -> tuple[bytes | None, str | None]:
    try:
        with open(real, "rb") as fh:
            return fh.read(), None
    except OSError as exc:
        return None, f"无法读取（{exc.strerror or exc}）"


def _line(owner: Owner, rel: str) -> int | None:
    """The line of the owner's file where it names ``rel`` (best effort: its file name)."""
    name = rel.rsplit("/", 1)[-1]
    for href, line in owner.hrefs:
        if name.casefold() in href.casefold():
            return line
    body = owner.texts[0] if owner.texts else ""
    at = body.find(name)
    if at < 0 or owner.body_line is None:
        return owner.body_line
    return owner.body_line + body.count("\n", 0, at)


def _allowed(ext: str, config: Config) -> bool:
    return ext in config.confidentiality.unscanned_attachment_types


def attach(
    published: Iterable[Owner],
    withheld: Iterable[Owner],
    content_dir: Path | str,
    config: Config,
    scanners: Scanners | None,
    *,
    settings: MarkdownSettings = MarkdownSettings(),
    urls_of: Callable[[list[Owner], Callable[[Owner], list[str]]], list[list[str]]] | None = None,
    verdicts_of: Callable[[list[str], Callable[[str], Verdict]], dict[str, Verdict]] | None = None,
) -> Attached:
    """Decide which attachments may be published and which published owners must be withheld.

    ``urls_of(owners, urls)`` and ``verdicts_of(keys, scan)`` apply the two per-owner and
    per-file steps (default: a plain map); the runner (:func:`pipeline.publication.run`) passes
    versions that remember results and use every core (:mod:`pipeline.attachment_memos`) — this
    stage knows nothing of either.  A verdict's key is ``<sha256>:<extension>``."""
    published = list(published)
    withheld = list(withheld)
    index = FileIndex(Path(content_dir))
    site = SiteRoot.from_url(config.portal.site_url)
    everyone = published + withheld
    urls_of = urls_of or (lambda owners, urls: [urls(o) for o in owners])
    found_urls = urls_of(everyone, lambda o: owner_urls(o, settings))
    refs = {o.path: owner_refs(o, index, site, settings, u) for o, u in zip(everyone, found_urls)}
    owners = {o.path: o for o in published + withheld}
    findings: list[Finding] = []
    reasons: dict[str, list[Finding]] = {}

    # bytes of every referenced file: read once, hashed (copies are verified against the hash)
    digests: dict[str, str | None] = {}
    read_errors: dict[str, str] = {}
    for r in refs.values():
        for t in r.targets:
            if t.escapes or t.real in digests:
                continue
            data, problem = _read(t.real)
            digests[t.real] = hashlib.sha256(data).hexdigest() if data is not None else None
            if problem:
                read_errors[t.real] = problem
            if data is not None and len(data) == 0:
                digests[t.real] = None  # an empty file carries nothing: not matched by content

    blocked: set[str] = set()
    live = [o.path for o in published]
    live_set = set(live)

    def block(path: str, finding: Finding) -> None:
        blocked.add(path)
        reasons.setdefault(path, []).append(finding)
        findings.append(finding)

    verdicts: dict[str, Verdict] = {}
    key_of: dict[str, str] = {}  # real path → verdict key

    def text_of(real: str) -> str | None:
        v = verdicts.get(key_of.get(real, ""))
        return v.text_key if v is not None else None

    def settle() -> None:
        """Withhold published owners that refer to a withheld file (the file itself, the same
        bytes, or — once the files are read — the same text), to a fixed point."""
        while True:
            dark = [p for p in owners if p not in live_set or p in blocked]
            dark_reals = {t.real: p for p in sorted(dark) for t in refs[p].targets}
            dark_hashes = {digests[r]: p for r, p in sorted(dark_reals.items(), reverse=True) if digests.get(r)}
            dark_texts = {k: p for r, p in sorted(dark_reals.items(), reverse=True) if (k := text_of(r))}
            changed = False
            for path in live:
                if path in blocked:
                    continue
                for t in refs[path].targets:
                    holder = dark_reals.get(t.real) or dark_hashes.get(digests.get(t.real) or "")
                    if not holder and text_of(t.real) in dark_texts:
                        holder, same = dark_texts[text_of(t.real)], "（文字与之相同，只是另存、转换格式或改了属性）"
                    elif holder:
                        same = "" if t.real in dark_reals else "（内容与之完全相同）"
                    if holder:
                        block(
                            path,
                            error(
                                path,
                                "withheld-attachment",
                                f"链接的附件 {t.rel} 属于不发布的 {holder}{same}：不发布的条目的附件一律不公开。"
                                "请删除这个链接或附件，或换用可以公开的文件",
                                _line(owners[path], t.rel),
                                file=t.rel,
                                owner=holder,
                            ),
                        )
                        changed = True
                        break
            if not changed:
                return

    # 1. symlinks out of content/files
    for path in live:
        for t in refs[path].targets:
            if t.escapes:
                block(
                    path,
                    error(
                        path,
                        "symlink",
                        f"链接的附件 {t.rel} 是指向 content/files 之外的符号链接，不能发布；"
                        "请把文件本身放进 content/files",
                        _line(owners[path], t.rel),
                        file=t.rel,
                    ),
                )
                break
    # 2. ownership: files of withheld owners stay withheld
    settle()
    # 3. contents of the files still to publish
    todo: dict[str, tuple[str, str]] = {}  # cache key → (real, rel)
    # the files to publish, and the withheld owners' files (their text identifies copies in other bytes)
    for path in sorted(owners):
        for t in refs[path].targets:
            if t.real in read_errors or t.escapes:
                continue
            key = f"{digests.get(t.real) or 'empty'}:{attachment_text.extension(t.rel)}"
            key_of[t.real] = key
            if key not in todo:
                todo[key] = (t.real, t.rel)
    keys = sorted(todo)

    def scan_one(key: str) -> Verdict:
        real, rel = todo[key]
        if scanners is None:
            return Verdict("?", failed="保密审查扫描器未能建立")
        data, problem = _read(real)
        if data is None:
            return Verdict("?", failed=problem)
        if (hashlib.sha256(data).hexdigest() if data else None) != (digests.get(real)):
            return Verdict("?", failed="文件在构建过程中被改动")
        try:
            return verdict_of(rel, data, scanners)
        except Exception as exc:  # noqa: BLE001 - fail closed
            return Verdict("?", failed=f"审查出错（{type(exc).__name__}: {exc}）")

    verdicts.update((verdicts_of or (lambda ks, scan: {k: scan(k) for k in ks}))(keys, scan_one))

    for path in live:
        if path in blocked:
            continue
        owner = owners[path]
        for t in refs[path].targets:
            line = _line(owner, t.rel)
            if t.real in read_errors:  # a file that must be read and cannot: the check itself failed
                block(
                    path,
                    error(
                        path,
                        "gate-failure",
                        f"附件 {t.rel} {read_errors[t.real]}，保密审查未能完成，该条目暂不发布",
                        line,
                        file=t.rel,
                    ),
                )
                continue
            key = f"{digests.get(t.real) or 'empty'}:{attachment_text.extension(t.rel)}"
            v = verdicts[key]
            ext = attachment_text.extension(t.rel)
            if v.failed is not None:
                block(
                    path,
                    error(
                        path,
                        "gate-failure",
                        f"附件 {t.rel} 的保密审查未能完成（{v.failed}），该条目暂不发布",
                        line,
                        file=t.rel,
                    ),
                )
            elif v.unreadable is not None:
                block(
                    path,
                    error(
                        path,
                        "unscannable-attachment",
                        f"附件 {t.rel} 无法审查：{v.unreadable}。请换成可读取的文件（docx、xlsx、带文字的 pdf、csv、"
                        "txt）",
                        line,
                        file=t.rel,
                    ),
                )
            elif attachment_text.pixels_unread(v.kind) and not _allowed(ext, config):
                shown = f".{ext}" if ext else "无扩展名"
                block(
                    path,
                    error(
                        path,
                        "unscannable-attachment",
                        f"附件 {t.rel} 的类型（{shown}）无法读取文字、审查其内容；请换成 docx、xlsx、pdf、csv 或 txt，"
                        "或由保密审查负责人把该扩展名列入 confidentiality.yaml 的 unscanned_attachment_types",
                        line,
                        file=t.rel,
                    ),
                )
            elif v.unreadable_parts:
                block(
                    path,
                    error(
                        path,
                        "unscannable-attachment",
                        f"附件 {t.rel} 有无法审查的内容：{'；'.join(v.unreadable_parts[:3])}",
                        line,
                        file=t.rel,
                    ),
                )
            for rule, where, match, what in v.hits:
                block(
                    path,
                    error(
                        path,
                        rule,
                        f"附件 {t.rel}（{where}）中有{what} “{match}”。公开的附件不得含涉密标志、个人信息或敏感词，"
                        "请删改后重新上传",
                        line,
                        file=t.rel,
                        where=where,
                        match=match,
                    ),
                )
            for text in v.hidden:
                findings.append(
                    warning(
                        path,
                        "hidden-content",
                        f"附件 {t.rel} 含读者看不到但随文件公开的内容：{text}。请确认后删除或转为普通内容",
                        line,
                        file=t.rel,
                    )
                )
    # 4. what is withheld now withholds the files it refers to, again to a fixed point
    settle()
    for path in live:
        if path not in blocked:
            for rel in refs[path].missing:
                findings.append(
                    warning(
                        path,
                        "missing-attachment",
                        f"链接的附件 {rel} 不存在（content/{rel}），读者会打开一个空链接"
                        if rel.casefold().startswith(FILES + "/")
                        else f"附件 {rel} 不在 content/files/ 下，读者会打开一个空链接；请把文件放进 content/files/，"
                        "写成 files/2026/文件名",
                        _line(owners[path], rel),
                        file=rel,
                    )
                )
    files: dict[str, AttachedFile] = {}
    for path in live:
        if path in blocked:
            continue
        for t in refs[path].targets:
            digest = digests.get(t.real)
            prev = files.get(t.rel)
            files[t.rel] = AttachedFile(t.rel, t.real, digest or "", (prev.owners if prev else ()) + (path,))
    dark_files = sorted({t.rel for p in owners if p not in live_set or p in blocked for t in refs[p].targets})
    referenced = {t.rel for r in refs.values() for t in r.targets}
    for rel in index.all:
        if rel not in referenced:
            findings.append(
                warning(
                    rel, "unreferenced-attachment", f"没有任何发布的条目或页面链接 content/{rel}，它不会出现在网站上"
                )
            )
    return Attached(
        tuple(files[k] for k in sorted(files)),
        tuple(sorted(blocked)),
        tuple(findings),
        tuple(dark_files),
        {k: tuple(v) for k, v in reasons.items()},
    )


class ChangedFile(Exception):
    """A file changed between its scan and its copy into the site."""


def verified_bytes(att: AttachedFile) -> bytes:
    """The file's bytes, exactly those that were hashed and scanned (else :class:`ChangedFile`)."""
    with open(att.real, "rb") as fh:
        data = fh.read()
    digest = hashlib.sha256(data).hexdigest() if data else ""
    if digest != att.sha256:
        raise ChangedFile(f"附件 content/{att.path} 在审查之后被改动，本次构建不发布；请重新构建")
    return data


def blocking(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
