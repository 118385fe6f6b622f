"""Output audit (上线前终审): every file of a built site read back as the public receives it.

The gates decide from the source; this module checks the result, as the last line of
defence before the new site goes live.  Every file of the site folder (mkdocs + Pagefind
output) is read the way a reader, a feed reader, a crawler or the search box reads it, and
run through the confidentiality gate's own scanners (:mod:`pipeline.scanners`: ``marker``,
``pii``, ``sensitive-word``, with the same configuration and the same allowed public phone
numbers):

- HTML: the text with entities decoded and tags removed, every attribute value (URLs also
  percent-decoded), comments, declarations and CDATA (:func:`pipeline.rendered.reader_view`'s
  reader); ``on*=`` handlers, script URLs and embedding tags are ``unsafe-html``;
- feeds, the sitemap and SVG (XML): their text, and the HTML inside their text decoded once more;
- Pagefind: the fragments and the index, filter and meta files, decompressed (gzip after the
  ``pagefind_dcd`` signature; fragments are JSON, the others CBOR);
- JSON, CSV and text outputs, ``.gz`` files by their inner name;
- attachments (``files/``): their extracted text (:mod:`pipeline.attachment_text` where it
  exists, plain text types otherwise).

For every withheld item it also looks for the item's distinctive strings — its title, its
URL and a few long spans of its body (:func:`distinctive_strings`, chosen so that no published
text contains them) — and for the bytes of the files its attachments point to.  Any hit is
named with the file and the matched text; :func:`check_site` raises :class:`AuditError`
(the build fails and the live site is untouched).  Theme assets (CSS, JavaScript, fonts,
images, Pagefind's own runtime) are not content and are skipped — but nothing under
``files/`` is.

Speed: pages of a portal repeat most of their HTML (navigation, header, footer), so each
HTML file is cut at block-closing tags and every distinct piece is parsed and scanned once
per process; the seams between neighbouring pieces are scanned too (a marking split by a
block boundary is still found), once per distinct pair.  Files are spread over the cores
(:mod:`pipeline.parallel`).  Pure functions over a folder: nothing here prints.

Why about 1,090 lines: the output audit reads every kind of file the public receives (HTML, feeds, sitemap,
JSON/CSV, Pagefind's compressed CBOR index, attachments); each reader is small, and they share one
scanning core and one withheld-needle set that must stay in step.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

import ahocorasick

from pipeline import attachment_text, audit_cache, cpu_limit, manifest, parallel, rendered
from pipeline import scanners as scanners_mod
from pipeline.config import Config
from pipeline.findings import Finding, error
from pipeline.scanners import Hit, Scanners, normalise

# --- what is scanned ---------------------------------------------------------------------------

# Theme and search-runtime files: code and pictures, not content (skipped outside files/).
ASSET_EXTENSIONS = frozenset(
    {
        ".css",
        ".js",
        ".mjs",
        ".map",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".ico",
        ".webp",
        ".avif",
        ".bmp",
        ".pagefind",
    }
)
ATTACHMENT_DIR = "files"  # where published attachments live in the site (content/files/ → site/files/)
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
XML_EXTENSIONS = frozenset({".xml", ".svg", ".rss", ".atom"})
TEXT_EXTENSIONS = frozenset({".txt", ".csv", ".md", ".tsv", ""})
JSON_EXTENSIONS = frozenset({".json", ".webmanifest"})
PAGEFIND_SIGNATURE = b"pagefind_dcd"
PAGEFIND_JSON = frozenset({".pf_fragment"})
PAGEFIND_CBOR = frozenset({".pf_index", ".pf_filter", ".pf_meta"})
# Tags that embed another document or change every link: never in a page of this portal.
EMBED_TAGS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base"})
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|data\s*:\s*text/html)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\u00a0\u200b-\u200f\u2028\u2029\ufeff]+")

# Block-closing tags: where an HTML file is cut into pieces (a reader sees a line break there,
# so no marking or number runs across one unseen).  Never script/style: their text must
# stay in one piece.
_CUT = re.compile(
    rb"</(?:p|li|ul|ol|nav|div|tr|table|h[1-6]|header|footer|head|section|article|aside|main|dl|dd|dt"
    rb"|blockquote|pre|figure|figcaption|details|summary|caption|tbody|thead|form|label)\s*>",
    re.IGNORECASE,
)
SEAM = 48  # characters of each side scanned at a seam between two pieces (whitespace collapsed)
_NAV_END = b"</nav>"
# How an HTML file is cut, coarse to fine: navigation blocks (most repeat on every page),
# blocks, lines.  A piece seen before is not cut further.
_LEVELS = (lambda data: data.split(_NAV_END), _CUT.split, lambda data: data.split(b"\n"))


def _join_edges(parts: list[tuple[str, str]]) -> tuple[str, str]:
    """The ends of a text made of ``parts`` (each given by its own ends), joined by line breaks."""
    head = ""
    for part_head, _tail in parts:
        head = f"{head}\n{part_head}" if head else part_head
        if len(head) >= SEAM:
            break
    tail = ""
    for _head, part_tail in reversed(parts):
        tail = f"{part_tail}\n{tail}" if tail else part_tail
        if len(tail) >= SEAM:
            break
    return head[:SEAM], tail[-SEAM:]


# --- withheld items' distinctive strings --------------------------------------------------------

SPAN = 16  # characters of a body span (after :func:`loose`); the brief's minimum is 12
MIN_SPAN = 12  # a whole paragraph this long (but shorter than SPAN) is a span too
BODY_SPANS = 5  # spans kept per withheld item (spread over its body)
MIN_TITLE = 8  # a shorter title is not distinctive (通知、会议纪要 …)


def loose(text: str) -> str:
    """The form distinctive strings are compared in: the scanners' normalisation (full-width
    to ASCII, lower case, invisible characters dropped) without Markdown emphasis characters.
    Whitespace stays: it separates blocks, and no needle contains any, so a needle never
    matches across a paragraph or cell boundary of a page."""
    text = normalise(text).text
    return _MD_CHARS.sub("", text) if _MD_CHARS.search(text) else text


_MD_CHARS = re.compile("[*_~`#>|]")
_TAG = re.compile(r"<[^<>]*>")


def _markdown_loose(text: str) -> str:
    """:func:`loose` of Markdown source, inline HTML tags dropped and entities decoded (as the
    rendered page shows them)."""
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = rendered.unescape(text)  # never raises on &#999…;
    return loose(text)


@dataclass(frozen=True)
class Needle:
    text: str  # loose form
    item: str  # content-relative path of the withheld item
    what: str  # 标题、网址、正文片段、附件 x 片段


@dataclass(frozen=True)
class Withheld:
    """What the audit needs to know about withheld items: their strings and their files' bytes."""

    needles: tuple[Needle, ...] = ()
    files: tuple[tuple[int, str, str, str], ...] = ()  # (size, sha256, content path, item path)
    urls: tuple[tuple[str, str], ...] = ()  # (site-relative URL folder, item path): no page may exist there
    without_needles: tuple[str, ...] = ()  # items with no distinctive text (all of it is also published)


@dataclass(frozen=True)
class AuditHit:
    file: str  # site-relative path (``x.gz!inner`` for a member of a compressed file)
    rule: str  # marker | pii | sensitive-word | unsafe-html | withheld-text | withheld-file | audit-unreadable
    match: str  # the text as found
    what: str  # Chinese description

    def text(self) -> str:
        return f"{self.file}：[{self.rule}] {self.what} “{_shorten(self.match)}”"


@dataclass(frozen=True)
class AuditReport:
    hits: tuple[AuditHit, ...]
    files: int  # files read
    skipped: int  # theme assets not read
    unscanned: tuple[str, ...]  # attachments of a type without text that unscanned_attachment_types allows
    needles: int
    seconds: float
    without_needles: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict, compare=False)
    reused: int = 0  # files whose verdict came from the last audit (pipeline/audit_cache.py), not read

    @property
    def clean(self) -> bool:
        return not self.hits


class AuditError(Exception):
    """The audit found something, or could not run; ``str()`` says what, in Chinese."""

    def __init__(self, message: str, report: AuditReport | None = None):
        super().__init__(message)
        self.report = report


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- reading HTML as the reader gets it --------------------------------------------------------


class _Reader(rendered._Reader):
    """:func:`pipeline.rendered.reader_view`'s reader, plus what is in the file but not shown:
    declarations, processing instructions and CDATA (text in XML), the tags that were opened
    (for :data:`EMBED_TAGS`), and whatever an unclosed construct at the end would swallow."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        super().handle_starttag(tag, attrs)

    def handle_decl(self, decl):
        self.comments.append(decl)

    def handle_pi(self, data):
        self.comments.append(data)

    def unknown_decl(self, data):
        if data.startswith("CDATA["):
            self.parts.append(data[6:])
        else:
            self.comments.append(data)

    def finish(self) -> None:
        # HTMLParser.close() drops the text of an unclosed <script>/<style>; keep it as text
        if self.rawdata and getattr(self, "cdata_elem", None):
            self.parts.append(self.rawdata)
            self.rawdata = ""
        self.close()


def read_html(text: str) -> tuple[str, list[tuple[str, str, str]], list[str], set[str]]:
    """Text, attributes, comments and opened tags of an HTML (or XML) document or piece."""
    reader = _Reader()
    reader.feed(text)
    reader.finish()
    return "".join(reader.parts), reader.attributes, reader.comments, reader.tags


# Attributes that hold drawing data or layout, never words (an SVG icon's path "M1 3 9.5 6.5 …"
# would read as digit groups): checked for scripts, not scanned as text.
GEOMETRY_ATTRIBUTES = frozenset(
    {
        "d",
        "viewbox",
        "points",
        "transform",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "dx",
        "dy",
        "width",
        "height",
        "offset",
        "stroke-width",
        "stroke-dasharray",
        "stroke-dashoffset",
        "font-size",
        "gradienttransform",
        "patterntransform",
        "pathlength",
    }
)


def _attribute_texts(attributes: Iterable[tuple[str, str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """Attribute values to scan as text (URLs also percent-decoded), and unsafe ones (name, value)."""
    texts, unsafe = [], []
    for _tag, name, value in attributes:
        if not value:
            continue
        if name not in GEOMETRY_ATTRIBUTES:
            texts.append(value)
        if "%" in value:
            decoded = unquote(value)
            if decoded != value:
                texts.append(decoded)
        if name.startswith("on"):
            unsafe.append((f"事件属性 {name}=", value))
        elif name == "dir" and value.strip().lower() == "rtl":  # shown in another order than written
            unsafe.append(("dir=rtl（文字从右到左显示，顺序与所写不同）", value))
        elif ":" in value and _BAD_SCHEME.match(_CONTROL.sub("", rendered.unescape(value))):
            unsafe.append((f"{name}= 中的脚本网址", value))
    return texts, unsafe


# --- the scanning core ----------------------------------------------------------------------


# Every kind of number the PII scanner reports (mobile, 身份证号, bank card) has at least 11
# digits in one run of digit groups (apart by the separators it accepts), so a text without
# such a run — most pages: dates, amounts, 索引号 — is not handed to it.
_SEP = getattr(scanners_mod, "_SEP", None)
PII_MIN_DIGITS = 11
# 11 digits, each pair apart by nothing or by one of the scanner's separators (no scanner: every text)
_LONG_RUN = re.compile(rf"\d(?:(?:{_SEP})?\d){{{PII_MIN_DIGITS - 1}}}") if _SEP else re.compile("")


def _may_hold_pii(text: str) -> bool:
    return (
        _LONG_RUN.search(text) is not None
        or scanners_mod._NUMERAL_RUN.search(text) is not None
        or scanners_mod._NUMERAL_MIXED_HINT.search(text) is not None  # 1三8〇〇13八〇〇〇
        or scanners_mod.LOOKALIKE_HINT.search(text) is not None  # 138O0138OOO: letters read as digits
    )


_SEPARATOR = "\n\ufdd0\n"  # between texts scanned together: no pattern of the scanners spans it
# Bytes of HTML pieces a checker keeps with their hits (:meth:`_Checker.scan_html`); past them it
# starts afresh before the next file.  Most pieces of an item page are its own, so the memo grew
# with the site (~300 MB an audit worker at 10k items, ~1.5 GB at 50k); what it saves — the
# menus, headers and footers every page repeats — is scanned again once after each new start.
PIECE_MEMO_BYTES = 96 * 2**20


class _Checker:
    """The scanners and the withheld needles, compiled once; forked workers inherit it."""

    def __init__(
        self, scanners: Scanners, withheld: Withheld, site: Path, unscanned_types: frozenset[str] = frozenset()
    ):
        self.scanners = scanners
        self.withheld = withheld
        self.site = site
        self.unscanned_types = unscanned_types
        self.needles = withheld.needles
        self.automaton = None
        if self.needles:
            self.automaton = ahocorasick.Automaton()
            for n, needle in enumerate(self.needles):
                self.automaton.add_word(needle.text, n)
            self.automaton.make_automaton()
        self.file_sizes = {size for size, *_ in withheld.files}
        self.file_digests = {digest: (path, item) for _size, digest, path, item in withheld.files}
        self.withheld_urls = {url.strip("/") + "/": item for url, item in withheld.urls}
        # per process: HTML pieces and seams already scanned → their hits (most are empty)
        self.pieces: dict[bytes, tuple[tuple[str, str], list]] = {}  # piece → (ends of its text, hits)
        self.edges: dict[bytes, tuple[str, str]] = {}  # pieces of the file being scanned, before their hits are known
        self.seams: dict[tuple[bytes, bytes], list] = {}  # neighbour pair → hits across it
        self.held = 0  # bytes of the pieces in self.pieces (each level counted: a piece and its parts)

    # -- text --
    def scan_text(
        self, texts: list[str], rules: tuple[str, ...] = ("marker", "pii", "sensitive-word")
    ) -> list[tuple[str, str, str]]:
        """(rule, match, what) for the scanners and the withheld needles over ``texts``."""
        texts = [t for t in texts if t and not t.isspace()]
        if not texts:
            return []
        joined = _SEPARATOR.join(texts)
        norm = normalise(joined)
        hits: list[Hit] = []
        if "marker" in rules:
            hits += self.scanners.marker.scan(norm)
        if "pii" in rules and _may_hold_pii(norm.text):
            hits += self.scanners.pii.scan(norm)
        if "sensitive-word" in rules:
            hits += self.scanners.words.scan(norm)
        out = [(h.rule, h.match, h.what) for h in hits]
        if self.automaton is not None:
            compact = _MD_CHARS.sub("", norm.text) if _MD_CHARS.search(norm.text) else norm.text
            for _end, n in self.automaton.iter(compact):
                needle = self.needles[n]
                owner = "未发布条目" if needle.item.endswith(".md") else "未发布附件"
                out.append(("withheld-text", needle.text, f"{owner} {needle.item} 的{needle.what}"))
        return out

    # -- HTML, piece by piece --
    def scan_html(self, data: bytes) -> list[tuple[str, str, str]]:
        """Hits of one HTML file.  The file is cut at ``</nav>``, a piece not seen before at
        block-closing tags, and such a piece not seen before into lines (:data:`_LEVELS`);
        the new smallest pieces are read in isolation and scanned together (one by one only
        to say which piece a hit is in), and so is every seam between two neighbouring
        pieces that was not seen before."""
        fresh: dict[bytes, tuple[list[str], list]] = {}  # new leaf pieces: texts to scan, unsafe-html hits
        composites: list[tuple[bytes, list[bytes]]] = []  # new pieces made of smaller ones, children first
        seams: dict[tuple[bytes, bytes], None] = {}  # neighbour pairs new in this file
        top = self._cut(data, 0, fresh, composites, seams)
        if fresh:  # 1. the new leaves
            clean = not self.scan_text([t for piece_texts, _unsafe in fresh.values() for t in piece_texts])
            for piece, (piece_texts, unsafe) in fresh.items():
                self.pieces[piece] = (self.edges.pop(piece), unsafe + ([] if clean else self.scan_text(piece_texts)))
                self.held += len(piece)
        for piece, children in composites:  # 2. the ends of the new composites' text
            self.edges[piece] = _join_edges([self._edges(child) for child in children])
        if seams:  # 3. the new seams
            texts = [self._edges(a)[1] + "\n" + self._edges(b)[0] for a, b in seams]
            found = self._seam_hits(texts)
            for pair, text in zip(seams, texts):
                self.seams[pair] = self._seam_hits([text]) if found else []
        for piece, children in composites:  # 4. the new composites' hits: their children's and inner seams'
            hits: list = []
            for n, child in enumerate(children):
                hits += self.pieces[child][1]
                if n:
                    hits += self.seams[(children[n - 1], child)]
            self.pieces[piece] = (self.edges.pop(piece), hits)
            self.held += len(piece)
        out: list[tuple[str, str, str]] = []
        for n, piece in enumerate(top):
            out += self.pieces[piece][1]
            if n:
                out += self.seams[(top[n - 1], piece)]
        return out

    def _edges(self, piece: bytes) -> tuple[str, str]:
        known = self.pieces.get(piece)
        return known[0] if known is not None else self.edges[piece]

    def _cut(self, data: bytes, level: int, fresh: dict, composites: list, seams: dict) -> list[bytes]:
        """The pieces of ``data`` at ``level``; new ones are read (leaves) or cut further."""
        pieces = _LEVELS[level](data)
        for n, piece in enumerate(pieces):
            if piece not in self.pieces and piece not in self.edges:
                smaller = _LEVELS[level + 1](piece) if level + 1 < len(_LEVELS) else [piece]
                if len(smaller) == 1:
                    texts, unsafe, edges = self._read_piece(piece)
                    fresh[piece] = (texts, unsafe)
                    self.edges[piece] = edges
                else:
                    self.edges[piece] = ("", "")  # being built: the same piece twice in a row is not cut again
                    composites.append((piece, self._cut(piece, level + 1, fresh, composites, seams)))
            if n and (pieces[n - 1], piece) not in self.seams:
                seams[(pieces[n - 1], piece)] = None
        return pieces

    def _read_piece(self, piece: bytes) -> tuple[list[str], list, tuple[str, str]]:
        """The texts of a piece to scan, its unsafe-html hits, and the ends of its text
        (whitespace collapsed) for the seams with its neighbours."""
        text, attributes, comments, tags = read_html(piece.decode("utf-8", errors="replace"))
        values, unsafe = _attribute_texts(attributes)
        hits = [("unsafe-html", value, what) for what, value in unsafe]
        hits += [("unsafe-html", f"<{tag}>", f"<{tag}> 标签") for tag in sorted(tags & EMBED_TAGS)]
        head = " ".join(text[: 4 * SEAM].split())[:SEAM]
        tail = " ".join(text[-4 * SEAM :].split())[-SEAM:]
        return [text, *values, *comments], hits, (head, tail)

    def _seam_hits(self, seams: list[str]) -> list[tuple[str, str, str]]:
        """Hits that cross a seam (those inside one side were found with that piece)."""
        found = self.scan_text(seams)
        if not found:
            return []
        own = {(r, m) for s in seams for r, m, _ in self.scan_text(s.split("\n"))}
        return [h for h in found if (h[0], h[1]) not in own]

    # -- one file --
    def check_file(self, rel: str) -> tuple[list[tuple[str, str, str, str]], bool, bool]:
        """Hits (file, rule, match, what), whether the file was read, whether it was unscanned."""
        try:
            size = (self.site / rel).stat().st_size
            out = self.withheld_file_hits(rel, size, lambda: hashlib.sha256((self.site / rel).read_bytes()).hexdigest())
        except Exception as exc:  # noqa: BLE001 - fail closed: a file that cannot be read is not checked
            return [(rel, "audit-unreadable", type(exc).__name__, f"无法读取检查（{exc}）")], True, False
        hits, was_read, unscanned, _digest = self.check_content(rel)
        return out + [(rel, *hit) for hit in hits], was_read, unscanned

    def withheld_file_hits(self, rel: str, size: int, digest) -> list[tuple[str, str, str, str]]:
        """The ``withheld-file`` hits of a file, from its path and (``digest()``, asked only when
        its size is one of a withheld file's) its SHA-256: it needs no reading of its own."""
        out: list[tuple[str, str, str, str]] = []
        if self.withheld_urls:
            parts = rel.split("/")
            for k in range(1, len(parts)):
                folder = "/".join(parts[:k]) + "/"
                if folder in self.withheld_urls:
                    out.append((rel, "withheld-file", folder, f"未发布条目 {self.withheld_urls[folder]} 的页面"))
        if size in self.file_sizes:
            found = self.file_digests.get(digest())
            if found is not None:
                source, item = found
                out.append((rel, "withheld-file", source, f"未发布条目 {item} 的附件"))
        return out

    def check_content(self, rel: str) -> tuple[list[tuple[str, str, str]], bool, bool, str]:
        """The file's own hits (rule, match, what), whether it was read (theme assets are
        not), whether it was unscanned, and the SHA-256 of the bytes judged ("" if none)."""
        if _is_asset(rel):
            return [], False, False, ""
        try:
            data = (self.site / rel).read_bytes()
        except Exception as exc:  # noqa: BLE001 - fail closed: a file that cannot be read is not checked
            return [("audit-unreadable", type(exc).__name__, f"无法读取检查（{exc}）")], True, False, ""
        digest = hashlib.sha256(data).hexdigest()
        try:
            hits, unscanned = self._check_bytes(rel, data)
        except Exception as exc:  # noqa: BLE001 - fail closed: a file that cannot be read is not checked
            return [("audit-unreadable", type(exc).__name__, f"无法读取检查（{exc}）")], True, False, digest
        return hits, True, unscanned, digest

    def _check_bytes(self, rel: str, data: bytes) -> tuple[list[tuple[str, str, str]], bool]:
        name = rel.rsplit("/", 1)[-1].lower()
        ext = _extension(name)
        if ext == ".gz":
            inner = gzip.decompress(data)
            hits, unscanned = self._check_bytes(rel[:-3], inner)
            return [(r, m, f"{w}（解压后）") for r, m, w in hits], unscanned
        if rel.startswith(ATTACHMENT_DIR + "/"):
            return self._attachment(rel, data)
        if ext in PAGEFIND_JSON or ext in PAGEFIND_CBOR:
            return self._pagefind(data, ext), False
        if ext in HTML_EXTENSIONS:
            return self.scan_html(data), False
        if ext in XML_EXTENSIONS:
            return self._xml(_decode(data)), False
        if ext in JSON_EXTENSIONS:
            return self.scan_text(list(_json_strings(json.loads(_decode(data))))), False
        if ext in TEXT_EXTENSIONS:
            return self.scan_text([_decode(data)]), False
        return self._attachment(rel, data)  # documents (attachments) and anything else

    def _xml(self, text: str) -> list[tuple[str, str, str]]:
        body, attributes, comments, tags = read_html(text)
        values, unsafe = _attribute_texts(attributes)
        texts = [body, *values, *comments]
        if "<" in body or "&" in body:  # HTML carried as text (feed descriptions): as a feed reader shows it
            inner, inner_attributes, inner_comments, _ = read_html(body)
            inner_values, inner_unsafe = _attribute_texts(inner_attributes)
            texts += [inner, *inner_values, *inner_comments]
            unsafe += inner_unsafe
        hits = self.scan_text(texts)
        hits += [("unsafe-html", value, what) for what, value in unsafe]
        return hits

    def _pagefind(self, data: bytes, ext: str) -> list[tuple[str, str, str]]:
        raw = _pagefind_decompress(data)
        if ext in PAGEFIND_JSON:
            # Pagefind separates words by U+200B and joins blocks (paragraphs, table cells) with ". "
            strings = [
                s.replace("\u200b", "").replace(". ", ".\n") for s in _json_strings(json.loads(raw.decode("utf-8")))
            ]
            return [(r, m, f"{w}（搜索索引）") for r, m, w in self.scan_text(strings)]
        # The fragments hold every indexed page's whole text, which is scanned in full above;
        # the index chunks hold the same pages' words one by one, with their positions (tens of
        # thousands of small integers a chunk: walking them in Python cost a fifth of the whole
        # audit).  What a word list can add is a number kept whole: a run of 11+ ASCII digits
        # occurs only inside a CBOR string (small integers are bytes below "0" or after a
        # length byte), and each goes through the PII scanner.  Filter and meta files are small:
        # their CBOR strings are read one by one (numbers and listed words; a lone 秘密 of
        # 商业秘密 is a word, not a marking).
        if ext == ".pf_index":
            numbers = [m.group().decode("ascii") for m in _ASCII_NUMBER.finditer(raw)]
            return [(r, m, f"{w}（搜索索引）") for r, m, w in self.scan_text(numbers, ("pii",))]
        words = list(_cbor_strings(raw))
        return [(r, m, f"{w}（搜索索引）") for r, m, w in self.scan_text(words, ("pii", "sensitive-word"))]

    def _attachment(self, rel: str, data: bytes) -> tuple[list[tuple[str, str, str]], bool]:
        """A document: its text as :mod:`pipeline.attachment_text` reads it.  A type it does not
        read is allowed only when ``unscanned_attachment_types`` lists it (then "not scanned")."""
        try:
            extracted = attachment_text.extract(rel, data)
        except attachment_text.Unreadable as exc:
            return [("audit-unreadable", rel.rsplit("/", 1)[-1], f"无法读取内容（{exc}）")], False
        if attachment_text.pixels_unread(extracted.kind):
            if attachment_text.extension(rel) in self.unscanned_types:
                hits = self.scan_text([piece.text for piece in extracted.pieces])  # an image's metadata
                return [(r, m, f"{w}（图片元数据）") for r, m, w in hits], True
            return [
                (
                    "audit-unreadable",
                    rel.rsplit("/", 1)[-1],
                    "是无法读取文字的类型，且不在 unscanned_attachment_types 之列",
                )
            ], False
        hits = self.scan_text([piece.text for piece in extracted.pieces])
        # a part that could not be read (an image-only PDF page, a part of a type nothing reads):
        # the gate never publishes such a file, and the audit does not pass one unchecked either
        hits += [("audit-unreadable", part, "有无法审查的内容") for part in extracted.unreadable_parts]
        for piece in extracted.pieces:
            if piece.markup:  # SVG/HTML source a browser runs
                hits += [(h.rule, h.match, h.what) for h in self.scanners.html.scan(normalise(piece.text))]
        if rel.startswith(ATTACHMENT_DIR + "/"):
            # a withheld attachment's spans inside a published attachment are shared wording of
            # two documents (a form's headings), not a leak of the file: identical bytes are
            # caught by digest, and the gate decides which files are owned by withheld items
            hits = [h for h in hits if not (h[0] == "withheld-text" and h[2].endswith("的内容片段"))]
        return [(r, m, f"{w}（附件内容）") for r, m, w in hits], False

    def forget_pieces(self) -> None:
        """Start the pieces' memo afresh when it holds more than :data:`PIECE_MEMO_BYTES` (between
        files: the memo only saves scanning a piece again, a file's hits are the same without it)."""
        if self.held > PIECE_MEMO_BYTES:
            self.pieces.clear()
            self.seams.clear()
            self.held = 0

    def run(self, rels: list[str]) -> list[tuple[list, bool, bool]]:
        out = []
        for rel in rels:
            out.append(self.check_file(rel))
            self.forget_pieces()
        return out

    def run_content(self, rels: list[str]) -> list[tuple[list, bool, bool, str]]:
        out = []
        for rel in rels:
            out.append(self.check_content(rel))
            self.forget_pieces()
        return out


def _fresh_checker(
    confidentiality, public_phones, withheld: Withheld, site: Path, unscanned_types: frozenset[str]
) -> _Checker:
    """A worker's own checker (:func:`pipeline.parallel.map_fresh`), made from the same rules,
    needles and site as the build's."""
    return _Checker(Scanners(confidentiality, public_phones), withheld, site, unscanned_types)


def _check_files(checker: _Checker, rels: list[str]) -> list[tuple[list, bool, bool]]:
    return checker.run(rels)


def _check_contents(checker: _Checker, rels: list[str]) -> list[tuple[list, bool, bool, str]]:
    return checker.run_content(rels)


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


# The deployment manifest (pipeline/manifest.py): file names and SHA-256 digests, whose
# decimal runs are not numbers anyone wrote; written after the audit, present on a live site.
MANIFEST_FILES = frozenset({"portal-manifest.json", "portal-manifest.json.sig"})


def _is_asset(rel: str) -> bool:
    if rel.startswith(ATTACHMENT_DIR + "/"):
        return False
    if rel in MANIFEST_FILES:
        return True
    return _extension(rel.rsplit("/", 1)[-1].lower()) in ASSET_EXTENSIONS


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096] or data[:5] == b"%PDF-" or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        raise ValueError("不是文本文件，无法检查其内容")
    return data.decode("gb18030")  # a CSV saved by Excel on a Chinese Windows; raises when not text


def _json_strings(value) -> Iterator[str]:
    """Every string, key and number of a JSON value."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for k, x in v.items():
                yield str(k)
                stack.append(x)
        elif isinstance(v, list):
            stack.extend(reversed(v))
        elif v is not None and not isinstance(v, bool):
            yield str(v)


_ASCII_NUMBER = re.compile(rb"[0-9]{%d,}" % PII_MIN_DIGITS)


def _pagefind_decompress(data: bytes) -> bytes:
    """A Pagefind data file: gzip (or raw) bytes starting with the ``pagefind_dcd`` signature."""
    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    if not raw.startswith(PAGEFIND_SIGNATURE):
        raise ValueError("Pagefind 文件没有 pagefind_dcd 标记，格式无法识别")
    return raw[len(PAGEFIND_SIGNATURE) :]


def _cbor_strings(data: bytes) -> Iterator[str]:
    """Every text string (and integer, as digits) of a sequence of CBOR items (RFC 8949).
    Raises ValueError on anything that is not well-formed CBOR."""
    pos = 0
    end = len(data)

    def arg(info: int) -> int:
        nonlocal pos
        if info < 24:
            return info
        size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if size is None or pos + size > end:
            raise ValueError("CBOR 长度字段无效")
        value = int.from_bytes(data[pos : pos + size], "big")
        pos += size
        return value

    # an explicit stack: (items left, or -1 for an indefinite container)
    while pos < end:
        initial = data[pos]
        pos += 1
        major, info = initial >> 5, initial & 31
        if major in (0, 1):
            value = arg(info)
            if value >= 10_000_000:  # long numbers only (a phone number stored as a number)
                yield str(value if major == 0 else -1 - value)
        elif major in (2, 3):
            if info == 31:  # indefinite-length string: chunks follow until the break byte
                continue
            length = arg(info)
            if pos + length > end:
                raise ValueError("CBOR 字符串越界")
            if major == 3:
                yield data[pos : pos + length].decode("utf-8")
            pos += length
        elif major in (4, 5):
            if info != 31:
                arg(info)  # element counts: the elements follow in sequence
        elif major == 6:
            arg(info)  # tag number; the tagged item follows
        else:  # major 7: simple values, floats, break
            if info in (25, 26, 27):
                pos += {25: 2, 26: 4, 27: 8}[info]
            elif info == 24:
                pos += 1
            elif info > 27 and info != 31:
                raise ValueError("CBOR 简单值无效")
        if pos > end:
            raise ValueError("CBOR 数据被截断")


# --- withheld items ------------------------------------------------------------------------


def _reader_text(markdown_text: str, settings: rendered.MarkdownSettings) -> tuple[str, bool]:
    """The text a reader sees of ``markdown_text``, and whether it was rendered (False: the
    source text itself, when rendering failed or ran out of time — still a fine source of
    spans, but not a result to keep)."""
    try:
        html_text = cpu_limit.run(rendered.render_html, markdown_text, settings, seconds=cpu_limit.BUDGET)
        return rendered.reader_view(html_text).text, True
    except Exception:  # noqa: BLE001 - the source text is still a fine source of spans
        return markdown_text, False


_SENTENCE_END = re.compile(r"[\s。!?;]+")  # after loose(): ！？； are folded to ASCII


def _runs(text: str, minimum: int, sentences: bool = False) -> list[str]:
    """The runs of ``text`` (loose form) without whitespace — and, with ``sentences``, without
    a sentence end (。！？；) — at least ``minimum`` characters long."""
    parts = _SENTENCE_END.split(loose(text)) if sentences else loose(text).split()
    return [run for run in parts if len(run) >= minimum]


def _spans(text: str, limit: int) -> list[str]:
    """Up to ``limit`` candidate spans of a text, spread evenly over it: windows of :data:`SPAN`
    characters (loose form) inside sentences, side by side; a sentence of 12–15 characters is
    one span.  Inside a sentence: a published text shares whole sentences with a withheld one
    (boilerplate), and checking against published sentences (:func:`distinctive_strings`) is exact."""
    out = []
    for run in _runs(text, MIN_SPAN, sentences=True):
        out += [run[s : s + SPAN] for s in range(0, max(1, len(run) - SPAN + 1), SPAN)]
    if len(out) > limit:
        out = [out[i * len(out) // limit] for i in range(limit)]
    return out


def public_texts(published, pages=(), config: Config | None = None) -> list[str]:
    """Every text the site may legitimately show (loose form): published items, static pages
    and the names from the configuration.  A withheld item's string found here is not distinctive."""
    out = []
    for item in published:
        values = [
            item.title,
            item.url,
            item.summary,
            item.doc_number,
            item.topic,
            item.genre,
            item.index_number,
            *item.tags,
            *(a.name for a in item.attachments),
            *(a.href for a in item.attachments),
        ]
        out.append(item.body + "\n" + "\n".join(v for v in values if v))
    for page in pages:
        out.append(page.title + "\n" + page.body)
    if config is not None:
        out.append("\n".join(str(v) for v in vars(config.portal).values() if isinstance(v, str)))
        out.append("\n".join(f"{site.id}\n{site.name}" for site in config.sites))
        out.append("\n".join(f"{column.id}\n{column.name}" for column in config.column_by_id.values()))
    return out


CANDIDATES = 32  # body spans tried per withheld item (those also in published text are dropped)
Candidates = tuple[tuple[str, str], ...]  # (kind, loose text) of one withheld item or file


def item_candidates(item, settings: rendered.MarkdownSettings) -> tuple[Candidates, bool]:
    """The strings of a withheld item that may become needles — its title's and URL's runs,
    up to :data:`CANDIDATES` body spans — and whether its body was rendered (see :func:`_reader_text`)."""
    out = [("标题", run) for run in _runs(item.title, MIN_TITLE)]
    out += [("网址", run) for run in _runs(f"{item.year}/{item.slug}/", MIN_TITLE)]
    body, rendered_ok = _reader_text(item.body, settings)
    out += [("正文片段", span) for span in _spans(body + "\n" + (item.summary or ""), CANDIDATES)]
    return tuple(out), rendered_ok


def file_candidates(text: str) -> Candidates:
    """The spans of a withheld attachment's text that may become needles."""
    return tuple(("内容片段", span) for span in _spans(text, CANDIDATES))


def public_sentences(text: str) -> str:
    """The distinct sentences of a public text (:func:`_markdown_loose`), one a line.  Every
    candidate lies inside one sentence (titles and URLs inside one run without whitespace),
    so a candidate is in the text's sentences exactly when it is found in this string."""
    return "\n".join(set(_SENTENCE_END.split(_markdown_loose(text))))


def _matcher(texts: list[str]):
    automaton = ahocorasick.Automaton()
    for k, text in enumerate(texts):
        automaton.add_word(text, k)
    automaton.make_automaton()
    return automaton


def _select(candidates: list[tuple[str, str, str]], common: set[str]) -> tuple[tuple[Needle, ...], tuple[str, ...]]:
    """The needles among ``candidates`` (source, kind, text) that no public text contains
    (``common``): every title and URL run, up to :data:`BODY_SPANS` spans spread over each
    source; and the items left without any span."""
    by_source: dict[str, list[tuple[str, str]]] = {}
    for source, kind, text in candidates:
        if text not in common:
            by_source.setdefault(source, []).append((kind, text))
    needles: list[Needle] = []
    without: list[str] = []
    for source in dict.fromkeys(c[0] for c in candidates):
        mine = list(dict.fromkeys(by_source.get(source, [])))
        needles += [Needle(text, source, kind) for kind, text in mine if kind in ("标题", "网址")]
        spans = [(kind, text) for kind, text in mine if kind not in ("标题", "网址")]
        if not spans and not source.startswith(ATTACHMENT_DIR + "/"):
            without.append(source)
        if len(spans) > BODY_SPANS:
            spans = [spans[i * len(spans) // BODY_SPANS] for i in range(BODY_SPANS)]
        needles += [Needle(text, source, kind) for kind, text in spans]
    return tuple(needles), tuple(without)


def distinctive_strings(
    withheld_items,
    public: list[str],
    settings: rendered.MarkdownSettings | None = None,
    file_texts: dict[str, str] | None = None,
    jobs: int | None = None,
) -> tuple[tuple[Needle, ...], tuple[str, ...]]:
    """Needles for the withheld items: the title, the URL, and up to :data:`BODY_SPANS` body
    spans each (and as many spans of each withheld attachment's text, ``file_texts``: files/…
    path → text), none of them in any ``public`` text (Markdown source of published items and
    pages, see :func:`public_texts`).  Returns the needles and the paths of items left without
    any body span.  :func:`prepare_withheld` gives the same answer from its cache."""
    settings = settings or rendered.MarkdownSettings()
    candidates: list[tuple[str, str, str]] = []  # (source, kind, loose text)
    for item in withheld_items:
        candidates += [(item.path, kind, text) for kind, text in item_candidates(item, settings)[0]]
    for path, text in (file_texts or {}).items():
        candidates += [(path, kind, span) for kind, span in file_candidates(text)]
    if not candidates:
        return (), ()
    texts = list(dict.fromkeys(c[2] for c in candidates))
    automaton = _matcher(texts)

    def sentences(batch: list[str]) -> list[set[str]]:
        return [set(_SENTENCE_END.split(_markdown_loose(t))) for t in batch]

    # the distinct published sentences suffice (see public_sentences) — boilerplate repeats,
    # so there are far fewer of them than sentences
    unique: set[str] = set()
    for part in parallel.map_ordered(sentences, public, jobs, batched=True):
        unique |= part
    common = {texts[k] for _end, k in automaton.iter("\n".join(unique))}
    return _select(candidates, common)


def _cached_strings(
    withheld_items,
    public: list[str],
    settings: rendered.MarkdownSettings,
    file_texts: dict[str, str],
    jobs: int | None,
    cache: audit_cache.VerdictCache,
) -> tuple[tuple[Needle, ...], tuple[str, ...]]:
    """:func:`distinctive_strings` with what ``cache`` kept from the last build: each withheld
    item's (file's) candidates, keyed by a digest of everything they are made from (its
    fields, the Markdown settings; the code and configuration are in the cache's stamp), and,
    per public text (by its SHA-256), the candidates found in it — valid while the candidates
    are a subset of those it was searched for.  A changed or new public text is read; a new
    candidate (an item newly withheld or changed) has every public text read again."""
    setting = repr(settings)
    candidates: list[tuple[str, str, str]] = []
    for item in withheld_items:
        fields = [setting, item.path, item.title, str(item.year), item.slug, item.body, item.summary or ""]
        key = hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
        found = cache.candidates(key)
        if found is None:
            found, exact = item_candidates(item, settings)
            if exact:  # a body not rendered (timed out) is not kept: the next build tries again
                cache.put_candidates(key, found)
        candidates += [(item.path, kind, text) for kind, text in found]
    for path, text in file_texts.items():
        key = hashlib.sha256(json.dumps(["file", path, text], ensure_ascii=False).encode("utf-8", "surrogatepass"))
        found = cache.candidates(key.hexdigest())
        if found is None:
            found = file_candidates(text)
            cache.put_candidates(key.hexdigest(), found)
        candidates += [(path, kind, span) for kind, span in found]
    if not candidates:
        return (), ()
    current = frozenset(c[2] for c in candidates)
    digests = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest() for t in public]
    # the candidates searched for: those of the last build while they include every current
    # one (then its hits stay valid, and a changed text is searched for the same ones), else these
    last = cache.public_hits(current)
    searched, known = last if last is not None else (tuple(sorted(current)), {})
    hits = {digest: known[digest] for digest in digests if digest in known}
    todo = [n for n, digest in enumerate(digests) if digest not in hits]
    if todo:
        automaton = _matcher(list(searched))

        def found_in(batch: list[int]) -> list[bytes]:
            return [_indices(sorted({k for _end, k in automaton.iter(public_sentences(public[n]))})) for n in batch]

        for n, found in zip(todo, parallel.map_ordered(found_in, todo, jobs, batched=True)):
            hits[digests[n]] = found
    common: set[int] = set()
    for found in hits.values():
        if found:
            common.update(_from_indices(found))
    if common and max(common) >= len(searched):  # not what this code wrote: search every text again
        return distinctive_strings(withheld_items, public, settings, file_texts, jobs)
    cache.put_public_hits(searched, hits)
    return _select(candidates, {searched[k] for k in common})


def _indices(numbers: list[int]) -> bytes:
    """Candidate numbers as 32-bit little-endian integers (a cache entry of :func:`_cached_strings`)."""
    if not _FAST_INDICES:
        return b"".join(k.to_bytes(4, "little") for k in numbers)
    words = array("I", numbers)
    if sys.byteorder == "big":
        words.byteswap()
    return words.tobytes()


def _from_indices(data: bytes):
    if not _FAST_INDICES:
        return [int.from_bytes(data[i : i + 4], "little") for i in range(0, len(data), 4)]
    words = array("I")
    words.frombytes(data)
    if sys.byteorder == "big":
        words.byteswap()
    return words


_FAST_INDICES = array("I").itemsize == 4


def _attachment_text(name: str, data: bytes) -> str | None:
    """The text of a document as :mod:`pipeline.attachment_text` reads it (every part, hidden
    or not); None for a type it does not read.  Raises ``attachment_text.Unreadable``."""
    extracted = attachment_text.extract(name, data)
    if attachment_text.pixels_unread(extracted.kind):  # a photo's camera model is no withheld text
        return None
    return "\n".join(piece.text for piece in extracted.pieces)


def prepare_withheld(
    pub,
    config: Config,
    settings: rendered.MarkdownSettings | None = None,
    jobs: int | None = None,
    cache: audit_cache.VerdictCache | None = None,
) -> Withheld:
    """Needles, file digests and URLs of ``pub``'s withheld items and attachments.  With
    ``cache``, what did not change since the last build is taken over (:func:`_cached_strings`:
    the same needles as without it)."""
    settings = settings or rendered.MarkdownSettings()
    items = [w.item for w in pub.withheld]
    files: list[tuple[int, str, str, str]] = []
    file_texts: dict[str, str] = {}
    for rel, real in getattr(pub, "withheld_attachments", ()):
        try:
            data = Path(real).read_bytes()
        except OSError:
            continue  # gone since the gate: nothing to compare with
        files.append((len(data), hashlib.sha256(data).hexdigest(), rel, "未发布条目的附件"))
        try:
            text = _attachment_text(rel, data)
        except attachment_text.Unreadable:
            text = None
        if text:
            file_texts[rel] = text
    if not items and not files:
        return Withheld()
    public = public_texts(pub.published, pub.pages, config)
    urls = tuple((item.url, item.path) for item in items)
    if cache is None:
        needles, without = distinctive_strings(items, public, settings, file_texts, jobs)
    else:
        needles, without = _cached_strings(items, public, settings, file_texts, jobs, cache)
    return Withheld(needles, tuple(files), urls, without)


# --- the whole site ------------------------------------------------------------------------------


def site_files(site: Path) -> list[str]:
    """Every file under ``site`` (site-relative, posix); symlinks are listed as files too."""
    return [rel for rel, regular in manifest.walk(site) if regular]


def _order(rels: list[str]) -> list[str]:
    """HTML files grouped by folder depth (neighbours share most pieces), then the rest."""
    return sorted(rels, key=lambda r: (not r.endswith(".html"), r.count("/"), r))


def make_checker(site: Path, config: Config, withheld: Withheld) -> "_Checker":
    """The checker :func:`audit_site` reads ``site``'s files with, or :class:`AuditError`."""
    try:
        scanners = Scanners(config.confidentiality, config.portal.public_phones)
    except Exception as exc:  # noqa: BLE001 - no scanners, no audit: fail closed
        raise AuditError(f"上线前终审无法建立扫描器（{type(exc).__name__}: {exc}）") from None
    return _Checker(scanners, withheld, Path(site), frozenset(config.confidentiality.unscanned_attachment_types))


def audit_site(
    site: Path,
    config: Config,
    withheld: Withheld = Withheld(),
    jobs: int | None = None,
    cache: audit_cache.VerdictCache | None = None,
    hashes: dict[str, tuple[str, int]] | None = None,
    listed: Iterable[str] | None = None,
    save: bool = True,
    checker: "_Checker | None" = None,
) -> AuditReport:
    """Scan every file of ``site``; see the module docstring.  With ``cache``
    (:class:`pipeline.audit_cache.VerdictCache`), a file whose bytes were judged before under
    the same rules and needles is not read again; ``hashes`` (path → (sha256, size), from
    :func:`pipeline.manifest.hash_site` of the same folder) are its bytes' digests, taken
    once for the manifest and the audit (a file it does not list is read to be hashed).
    ``listed``: the files of ``site``, when the caller has just listed them and answers for
    the list (the build: the files it hashed, listed again after the checks); None: the
    folder is walked.  ``save``: write ``cache`` at the end (False: the caller audits the rest of
    the site with the same cache and saves it then — files it does not judge drop out of it).
    ``checker``: :func:`make_checker` of the same site and ``withheld``, kept over the audits of
    the parts of one site (its scanners and memo of pieces)."""
    started = time.perf_counter()
    site = Path(site)
    if not site.is_dir():
        raise AuditError(f"上线前终审：{site} 不是目录")
    unscanned_types = frozenset(config.confidentiality.unscanned_attachment_types)
    if checker is None or checker.site != site or checker.withheld is not withheld:
        checker = make_checker(site, config, withheld)
    # the workers make their own checker from these (parallel.map_fresh: none inherits the build's memory)
    fresh = (config.confidentiality, config.portal.public_phones, withheld, site, unscanned_types)
    strange: list[str] = []  # FIFOs, sockets, devices: nothing the site may hold, never skipped quietly
    if listed is None:
        walked = manifest.walk(site)
        strange = [rel for rel, regular in walked if not regular]
        rels = _order([rel for rel, regular in walked if regular])
    else:
        rels = _order(list(listed))
    if cache is None:
        results = parallel.map_fresh(
            _check_files, rels, jobs, setup=_fresh_checker, setup_args=fresh, here=checker, batched=True, min_tasks=200
        )
    else:
        results = _audit_cached(checker, rels, cache, hashes or {}, jobs, fresh, save)
    not_files = "不是普通文件（命名管道、套接字或设备文件），网站中不能有这样的文件"
    hits: list[AuditHit] = [AuditHit(rel, "audit-unreadable", "", not_files) for rel in strange]
    read = skipped = 0
    unscanned = []
    for rel, (file_hits, was_read, not_scanned) in zip(rels, results):
        read += was_read
        skipped += not was_read
        if not_scanned:
            unscanned.append(rel)
        for file, rule, match, what in file_hits:
            hits.append(AuditHit(file, rule, match, what))
    hits = list(dict.fromkeys(hits))
    return AuditReport(
        tuple(hits),
        read,
        skipped,
        tuple(unscanned),
        len(withheld.needles),
        time.perf_counter() - started,
        withheld.without_needles,
        reused=cache.reused if cache is not None else 0,
    )


def _audit_cached(
    checker: _Checker,
    rels: list[str],
    cache: audit_cache.VerdictCache,
    hashes: dict[str, tuple[str, int]],
    jobs: int | None,
    fresh: tuple,
    save: bool = True,
) -> list[tuple[list, bool, bool]]:
    """:meth:`_Checker.run` over ``rels`` with the verdicts of ``cache``: only files not
    judged before are read (on every core); every verdict goes back into the cache.  A file
    whose verdict is reused costs a few dictionary lookups: its ``withheld-file`` checks are
    made from its path and size (:meth:`_Checker.withheld_file_hits` only for a path under a
    withheld URL or a size of a withheld file)."""
    rows = audit_cache.needle_rows(checker.needles)
    now = audit_cache.needle_stamp(rows)
    known: dict[str, tuple[tuple, bool]] = {}
    digests: dict[str, str] = {}
    todo: list[str] = []
    for rel in rels:
        if _is_asset(rel):
            continue
        digest = hashes.get(rel, ("", 0))[0]
        if not digest:
            try:
                digest = hashlib.sha256((checker.site / rel).read_bytes()).hexdigest()
            except OSError:
                digest = ""
        digests[rel] = digest
        verdict = cache.verdict(rel, digest, now, rows) if digest else None
        if verdict is None:
            todo.append(rel)
        else:
            known[rel] = verdict
    scanned = dict(
        zip(
            todo,
            parallel.map_fresh(
                _check_contents,
                todo,
                jobs,
                setup=_fresh_checker,
                setup_args=fresh,
                here=checker,
                batched=True,
                min_tasks=200,
            ),
        )
    )
    prefixes = tuple(checker.withheld_urls)  # a path that starts with none of them is at no withheld URL
    sizes = checker.file_sizes
    results: list[tuple[list, bool, bool]] = []
    for rel in rels:
        given = hashes.get(rel)
        digest = digests.get(rel) or (given[0] if given is not None else "")
        try:
            size = given[1] if digest and given is not None else (checker.site / rel).stat().st_size
            if (prefixes and rel.startswith(prefixes)) or size in sizes:
                out = checker.withheld_file_hits(
                    rel,
                    size,
                    lambda digest=digest, rel=rel: (
                        digest or hashlib.sha256((checker.site / rel).read_bytes()).hexdigest()
                    ),
                )
            else:
                out = []
        except Exception as exc:  # noqa: BLE001 - fail closed: a file that cannot be read is not checked
            results.append(([(rel, "audit-unreadable", type(exc).__name__, f"无法读取检查（{exc}）")], True, False))
            continue
        verdict = known.get(rel)
        if verdict is not None:
            file_hits, unscanned = verdict
            results.append(((out + [(rel, *hit) for hit in file_hits]) if file_hits else out, True, unscanned))
            continue
        if rel not in digests:  # a theme asset
            results.append((out, False, False))
            continue
        file_hits, _read, unscanned, judged = scanned[rel]
        file_hits = list(file_hits)
        if judged and judged != digests[rel]:  # changed between hashing and reading: not what gets published
            file_hits.append(("audit-unreadable", rel.rsplit("/", 1)[-1], "文件在检查期间被改动"))
        elif judged and not any(h[0] == "audit-unreadable" for h in file_hits):
            cache.put(rel, judged, now, file_hits, unscanned)
        results.append((out + [(rel, *hit) for hit in file_hits], True, unscanned))
    if save:
        cache.save(now, rows)
    return results


def message(report: AuditReport, limit: int = 40) -> str:
    """The Chinese failure message: every hit with its file (the first ``limit``)."""
    lines = [
        f"上线前终审发现 {len(report.hits)} 处不应公开的内容（{len({h.file for h in report.hits})} 个文件），"
        "本次构建的网站不得发布："
    ]
    lines += ["  " + h.text() for h in report.hits[:limit]]
    if len(report.hits) > limit:
        lines.append(f"  …另有 {len(report.hits) - limit} 处（portal audit 网站目录 可列出全部）")
    return "\n".join(lines)


def audit_summary(report: AuditReport) -> str:
    """One Chinese line: what was checked, how long it took, and what was found."""
    text = (
        f"上线前终审：检查 {report.files} 个文件（跳过主题资源 {report.skipped} 个），"
        f"未发布条目特征串 {report.needles} 个，用时 {report.seconds:.1f} 秒；"
        + (f"发现 {len(report.hits)} 处问题。" if report.hits else "未发现问题。")
    )
    if report.unscanned:
        text += (
            f"\n  {len(report.unscanned)} 个附件是配置允许的无法读取文字的类型（unscanned_attachment_types），"
            "未检查内容：" + "、".join(report.unscanned[:10])
        )
    if report.without_needles:
        text += (
            f"\n  {len(report.without_needles)} 个未发布条目的正文全部与已发布内容相同，只按标题和网址检查："
            + "、".join(report.without_needles[:10])
        )
    return text


def run_audit(
    site: Path,
    pub,
    config: Config,
    jobs: int | None = None,
    settings: rendered.MarkdownSettings | None = None,
    cache: audit_cache.VerdictCache | None = None,
    hashes: dict[str, tuple[str, int]] | None = None,
    listed: Iterable[str] | None = None,
) -> AuditReport:
    """:func:`audit_site` with the withheld items and attachments of ``pub``; raises
    :class:`AuditError` when the audit cannot run (never returns a report it could not finish).
    ``cache``, ``hashes`` and ``listed``: see :func:`audit_site`."""
    return audit_site(site, config, _withheld_of(pub, config, settings, jobs, cache), jobs, cache, hashes, listed)


def _withheld_of(pub, config: Config, settings, jobs, cache) -> Withheld:
    """:func:`prepare_withheld`, or :class:`AuditError` (no needles, no audit: fail closed)."""
    try:
        return prepare_withheld(pub, config, settings, jobs, cache)
    except Exception as exc:  # noqa: BLE001 - fail closed
        raise AuditError(f"上线前终审无法取得未发布条目的特征串（{type(exc).__name__}: {exc}）") from None


MAX_FINDINGS = 200  # findings handed to the build (the first ones; a summary says how many more)


def publish_check(site: Path, pub, config: Config, context=None) -> list[Finding]:
    """The build's last check before the swap (:data:`pipeline.build.PUBLISH_CHECKS`): every
    hit of the audit as an error naming the site file; any error stops the build.  The build
    passes ``context`` (:class:`pipeline.build.CheckContext`: the work folder and the digests
    of the files of the new site to judge — the build checks after the checks that no file came
    or went): then the verdicts of the last audit are reused (:mod:`pipeline.audit_cache`).  The
    build judges its site in parts (the search bundles after the rest, while Pagefind writes
    them): the withheld items' strings and the cache are made once, in ``context.state``, and the
    cache is saved with the last part (``context.final``)."""
    if context is None:
        return findings_of(run_audit(site, pub, config))
    state = context.state.get("audit")
    if state is None:
        cache = audit_cache.VerdictCache(context.work, config)
        withheld = _withheld_of(pub, config, None, None, cache)
        state = context.state["audit"] = (cache, withheld, make_checker(site, config, withheld))
    cache, withheld, checker = state
    report = audit_site(site, config, withheld, None, cache, context.hashes, context.hashes, context.final, checker)
    return findings_of(report)


publish_check.takes_context = True  # type: ignore[attr-defined]


def findings_of(report: AuditReport) -> list[Finding]:
    """The audit's hits as error findings naming the site file (the first :data:`MAX_FINDINGS`)."""
    found = [
        error(h.file, h.rule, f"{h.what} “{_shorten(h.match)}”", match=h.match) for h in report.hits[:MAX_FINDINGS]
    ]
    if len(report.hits) > MAX_FINDINGS:
        found.append(
            error(
                "(网站)", "audit", f"另有 {len(report.hits) - MAX_FINDINGS} 处未列出；portal audit 网站目录 可列出全部"
            )
        )
    return found


publish_check.__qualname__ = "上线前终审（pipeline/audit.py）"
