"""Small helpers shared by the renderers: relative links, escaping, dates, excerpts."""

from __future__ import annotations

import html
import posixpath
import re

import yaml

# libyaml's emitter when PyYAML has it (same output for page meta, several times faster).
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Escape text placed inside Markdown link labels or table cells."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def h(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def rel(from_doc: str, to_doc: str) -> str:
    """Relative link between two docs-tree files (what mkdocs and Zensical resolve)."""
    return posixpath.relpath(to_doc, posixpath.dirname(from_doc) or ".")


def ymd(when) -> str:
    return when.strftime("%Y-%m-%d")


def front_matter(meta: dict) -> str:
    return "---\n" + yaml.dump(meta, Dumper=_SafeDumper, allow_unicode=True, sort_keys=False, width=10_000) + "---\n\n"


_MD_NOISE = re.compile(r"(!?\[([^\]]*)\]\([^)]*\))|[#>*_`|~-]{1,}|<[^>]+>")


def excerpt(markdown_text: str, limit: int = 160) -> str:
    """Plain-text opening of a Markdown body, for list summaries and feed descriptions."""
    text = _MD_NOISE.sub(lambda m: m.group(2) or " ", markdown_text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


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
