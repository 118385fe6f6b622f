"""Small helpers shared by the renderers: relative links, escaping, dates, excerpts."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from pipeline.findings import Finding


@dataclass(frozen=True)
class Output:
    """What every renderer's ``render`` returns: docs-tree files (path → ``str`` or ``bytes``),
    the nav sections it adds (in menu order), and findings about the data it laid out."""

    files: dict[str, str | bytes]
    nav: tuple = ()
    findings: tuple[Finding, ...] = ()


HOME_DOC = "index.md"  # the portal home (a sub-site's: Site.home_doc, a column's: Column.home_doc)
_MD_SPECIAL = re.compile(r"[\\`*_\[\]{}<>#|&!]")
# Markdown's backslash escapes for its own syntax; entities for what HTML would read (a "\<"
# is no escape in Python-Markdown: it showed a stray backslash, and "<!--" then hid the page)
_MD_REPLACE = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def md_escape(text: str) -> str:
    """Escape text placed inside Markdown (headings, link labels, table cells, admonitions) so
    that it shows exactly as written: no markup, no HTML, no entity, no attribute list."""
    # most titles and names have nothing to escape: a search is ~7x cheaper than a sub
    if not _MD_SPECIAL.search(text):
        return text
    return _MD_SPECIAL.sub(lambda m: _MD_REPLACE.get(m.group(), "\\" + m.group()), text)


def one_line(text: str) -> str:
    """A front-matter value on one Markdown line (a heading, a list item, an admonition):
    every run of whitespace, line breaks included, becomes one space."""
    return " ".join(text.split())


_LINK_UNSAFE = re.compile(r"[\s()<>\"'\\\[\]`]")


def link_target(url: str) -> str:
    """A URL from front matter as a Markdown link destination that cannot end the link early
    or add a title: spaces, brackets, quotes and backslashes percent-encoded."""
    return _LINK_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), url)


def h(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def rel(from_doc: str, to_doc: str) -> str:
    """Relative link between two docs-tree files (what mkdocs and Zensical resolve).

    Both are clean docs-relative posix paths (no ``.``/``..`` parts), so this is
    ``posixpath.relpath`` without its ``abspath`` calls — it runs for every link of every
    list page, and that made it a tenth of the docs-tree time at 10k items."""
    base = from_doc.split("/")[:-1]
    target = to_doc.split("/")
    common = 0
    while common < len(base) and common < len(target) - 1 and base[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + target[common:])


def ymd(when) -> str:
    return when.strftime("%Y-%m-%d")


# JSON text is YAML: each value is written as a JSON scalar or flow list/mapping, which any YAML
# parser (mkdocs, Zensical) reads back unchanged — several times faster than PyYAML's
# representer, which was a quarter of the docs-tree time at 10k items.  The three characters
# YAML treats as line breaks but JSON leaves raw are escaped.
_YAML_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_BREAK_CHARS = re.compile("[\x85\u2028\u2029]")


# One encoder for every value: ``json.dumps`` with keyword arguments builds a new encoder per
# call, which was most of the cost of a page's front matter.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode
_KEYS: dict[str, str] = {}  # plain string key → its YAML text (a few dozen distinct keys)


def _key(key) -> str:
    if type(key) is str and key in _KEYS:
        return _KEYS[key]
    name = key if _PLAIN_KEY.match(str(key)) else _JSON(str(key))
    if type(key) is str and len(_KEYS) < 1000:
        _KEYS[key] = name
    return name


# Page meta that templates print: mkdocs-material writes page.meta.title, description and author
# raw into <title>, the header and <meta> (and our theme site_name, column_name, feed_title into
# attributes), so their values go into the docs tree HTML-escaped.
DISPLAY_META = frozenset({"title", "description", "author", "feed_title", "site_name", "column_name"})


def front_matter(meta: dict) -> str:
    lines = ["---"]
    for key, value in meta.items():
        if key in DISPLAY_META and type(value) is str:
            value = html.escape(value, quote=True)
        lines.append(f"{_key(key)}: {_JSON(value)}")
    text = "\n".join(lines)
    if _BREAK_CHARS.search(text):  # rare; str.translate is slow on CJK text, so only when needed
        text = text.translate(_YAML_BREAKS)
    return text + "\n---\n\n"


_MD_NOISE = re.compile(r"(!?\[([^\]]*)\]\([^)]*\))|[#>*_`|~-]{1,}|<[^>]+>")


_NOISE_START = re.compile(r"[!\[#>*_`|~<-]")  # every character a _MD_NOISE match can start with
_SPACES = re.compile(r"\s+")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def _long_enough(parts: list, gap: str, limit: int) -> str | None:
    """The excerpt, if the output so far (``parts`` + the start of a markup-free ``gap``)
    already holds more than ``limit`` characters once spaces are collapsed."""
    head = _SPACES.sub(" ", "".join(parts) + gap[: 3 * limit + 64]).strip()
    return _clip(head, limit) if len(head) > limit else None


def excerpt(markdown_text: str, limit: int = 160) -> str:
    """Plain-text opening of a Markdown body, for list summaries and feed descriptions.

    The same text as ``_MD_NOISE.sub`` over the whole body, spaces collapsed, cut at
    ``limit`` — but the body is read only as far as the excerpt needs: candidates are found
    with a one-character-class search (several times faster than scanning with the
    alternation), and once the output so far is longer than ``limit`` the rest is skipped
    (any prefix of the output gives the same cut)."""
    text = markdown_text
    parts: list[str] = []
    pos = scan = size = 0
    check_at = limit
    while True:
        start = _NOISE_START.search(text, scan)
        match = _MD_NOISE.match(text, start.start()) if start else None
        if start is not None and match is None:
            scan = start.start() + 1
            continue
        gap = text[pos : match.start()] if match else text[pos:]
        if size + len(gap) > check_at:
            done = _long_enough(parts, gap, limit)
            if done is not None:
                return done
            check_at = 2 * (size + len(gap))
        parts.append(gap)
        if match is None:
            break
        parts.append(match.group(2) or " ")
        size += len(gap) + 1
        pos = scan = match.end()
    return _clip(_SPACES.sub(" ", "".join(parts)).strip(), limit)


def page_doc(base: str, n: int) -> str:
    """Docs path of page ``n`` of a paginated list at ``base`` (``base/index.md``, ``base/page/N.md``)."""
    return f"{base}/index.md" if n == 1 else f"{base}/page/{n}.md"


def paginate(base: str, entries, page_size: int):
    """Yield ``(page, pages, doc, chunk)`` for each page of a list at ``base`` (at least one,
    even for an empty list), ``page_size`` entries each, in the given order."""
    size = max(1, page_size)
    pages = max(1, -(-len(entries) // size))
    for page in range(1, pages + 1):
        yield page, pages, page_doc(base, page), entries[(page - 1) * size : page * size]


def pager(doc: str, base: str, page: int, pages: int) -> str:
    """The « 上一页 · 第 n / m 页 · 下一页 » line of a paginated list."""
    links = []
    if page > 1:
        links.append(f"[« 上一页]({rel(doc, page_doc(base, page - 1))})")
    links.append(f"第 {page} / {pages} 页")
    if page < pages:
        links.append(f"[下一页 »]({rel(doc, page_doc(base, page + 1))})")
    return " &nbsp; ".join(links) + "\n{ .pager }\n"
