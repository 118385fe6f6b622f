"""Small helpers shared by the renderers: relative links, escaping, dates, excerpts."""

from __future__ import annotations

import html
import json
import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Escape text placed inside Markdown link labels or table cells."""
    return _MD_SPECIAL.sub(r"\\\1", text)


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


def front_matter(meta: dict) -> str:
    lines = ["---"]
    for key, value in meta.items():
        name = key if _PLAIN_KEY.match(str(key)) else json.dumps(str(key), ensure_ascii=False).translate(_YAML_BREAKS)
        lines.append(f"{name}: " + json.dumps(value, ensure_ascii=False, default=str).translate(_YAML_BREAKS))
    return "\n".join(lines) + "\n---\n\n"


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
