"""Allowlist sanitiser of rendered items and static pages (保密审查 ``unsafe-html``).

The HTML that Markdown makes of an editor's text goes through nh3 (the Python binding of
ammonia, a maintained html5ever-based sanitiser) with an allowlist of tags, attributes and
URL schemes.  The gate never publishes the sanitised HTML: when sanitising would change
anything, the item or page is withheld and told what would have been removed (a tag, an
attribute, a URL, text inside a removed element) — a page is never published silently
altered.  What is allowed is what this portal's Markdown extensions emit for ordinary content:

- tags: paragraphs, headings (with ids), emphasis, lists, definition lists, tables, code
  blocks and their highlighting spans, quotes, admonitions (``div``/``p`` with classes),
  ``details``/``summary``, links, images, ``abbr``, ``sub``/``sup``/``mark``/``del``/``ins``;
- attributes: ``id``, ``class``, ``title``, ``lang`` everywhere (never ``dir``: right-to-left text is
  shown in another order than it is written); ``href`` on links;
  ``src``, ``alt``, ``width``, ``height`` on images; ``colspan``/``rowspan``/``scope`` on
  cells; ``start``/``type``/``value`` on lists; ``open`` on details; ``datetime`` on time.
  ``style`` is never allowed — except the three exact ``text-align`` values that the
  ``tables`` extension writes on ``th``/``td`` for aligned columns (``|:--|--:|``);
  ``on*`` handlers never;
- URLs: ``http``, ``https``, ``mailto``, ``tel`` and relative ones.  No ``data:`` URL at all,
  not even ``data:image/…``: an SVG image can carry script, and an image belongs in
  ``content/files/`` where the attachment checks see it.
- HTML comments stay (they are scanned like text: invisible, but in the page source).
- the theme's own classes (``md-…``, ``portal-…``, ``pagefind…``) and an ``<a id>`` inside
  ``<code>`` are refused too: the theme's style sheets hide or move such elements, so their text
  could split a marking that readers see whole (:func:`theme_styled`).

The comparison is made on a canonical token stream (tags, sorted attributes with decoded
values, decoded text; whitespace-only text and the ``tbody`` html5ever inserts ignored), so
serialisation differences (``<br />`` / ``<br>``, ``&#26426;`` / ``机``) are not changes.
Pure functions; nothing here reads files or prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    "a abbr b blockquote br caption cite code col colgroup dd del details dfn div dl dt em figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s samp small span strong sub summary sup "
    "table tbody td tfoot th thead time tr u ul var".split()
)
# not ``dir``: a paragraph set right-to-left shows its digit groups and marks in another order
# than they are written ("8000 0013 138" reads 138 0013 8000), and Chinese text never needs it
GLOBAL_ATTRIBUTES = frozenset({"id", "class", "title", "lang"})
TAG_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "col": {"span"},
    "colgroup": {"span"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
}
# the only style a page may carry: what the tables extension writes for aligned columns
_ALIGN = {f"text-align: {a};" for a in ("left", "right", "center")}
TAG_ATTRIBUTE_VALUES = {"th": {"style": _ALIGN}, "td": {"style": _ALIGN}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_URL_ATTRIBUTES = frozenset(
    {"href", "src", "cite", "action", "formaction", "poster", "background", "xlink:href", "data"}
)


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    attributes = {tag: set(names) for tag, names in TAG_ATTRIBUTES.items()}
    attributes["*"] = set(GLOBAL_ATTRIBUTES)
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=attributes,
        tag_attribute_values={t: {a: set(v) for a, v in av.items()} for t, av in TAG_ATTRIBUTE_VALUES.items()},
        url_schemes=set(URL_SCHEMES),
        strip_comments=False,
        link_rel=None,
    )


def clean(html_text: str) -> str:
    """``html_text`` through the allowlist (what would be published if we published it)."""
    return _cleaner().clean(html_text)


@dataclass(frozen=True)
class Removed:
    """One thing sanitising would remove, described for an editor."""

    what: str  # Chinese: "<script> 标签", "style 属性", "网址" …
    detail: str  # the tag, attribute=value or URL as written (decoded)
    needle: str  # a string to look for in the source to find its line


# --- canonical token stream -----------------------------------------------------------------


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self._text: list[str] = []

    def _flush(self) -> None:
        if self._text:
            text = "".join(self._text)
            self._text = []
            if text.strip():
                self.tokens.append(("text", text))

    def handle_starttag(self, tag, attrs):
        self._flush()
        if tag != "tbody":
            self.tokens.append(("start", tag, tuple(sorted((n, v or "") for n, v in attrs))))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._flush()
        if tag != "tbody":
            self.tokens.append(("end", tag))

    def handle_data(self, data):
        self._text.append(data)

    def handle_comment(self, data):
        self._flush()
        self.tokens.append(("comment", data))

    def handle_decl(self, decl):
        self._flush()
        self.tokens.append(("decl", decl))

    def handle_pi(self, data):
        self._flush()
        self.tokens.append(("pi", data))

    def unknown_decl(self, data):
        self._flush()
        self.tokens.append(("decl", data))


def tokens(html_text: str) -> list[tuple]:
    from pipeline.rendered import safe_text

    parser = _Tokens()
    parser.feed(safe_text(html_text))
    parser.close()
    parser._flush()
    return parser.tokens


def _void_fixed(html_text: str) -> str:
    return html_text.replace(" />", ">")


# The theme's own classes (mkdocs-material's md-…, the portal's portal-…, Pagefind's): its style
# sheets hide (.md-toggle, .portal-print-source: display:none), move or overlay what carries them,
# so text in such an element splits a marking that the reader then sees whole (机<span
# class="md-toggle">公开</span>密★ shows 机密★).  No Markdown extension writes them into an item.
THEME_CLASS_PREFIXES = ("md-", "portal-", "pagefind")


def theme_styled(html_text: str) -> list[Removed]:
    """Elements the theme's style sheets would hide or move: a theme class on any element, and an
    ``<a id>`` inside ``<code>`` (``.highlight code a[id]{visibility:hidden}``)."""
    if not any(prefix in html_text for prefix in THEME_CLASS_PREFIXES) and "<code" not in html_text:
        return []
    out: list[Removed] = []
    in_code = 0
    for token in tokens(html_text):
        if token[0] == "end" and token[1] == "code":
            in_code = max(0, in_code - 1)
        if token[0] != "start":
            continue
        tag, attrs = token[1], dict(token[2])
        in_code += tag == "code"
        for name in attrs.get("class", "").split():
            if name.lower().startswith(THEME_CLASS_PREFIXES):
                out.append(
                    Removed(f"<{tag}> 的 class “{name}”（网站主题的样式类，会隐藏或移动文字）", f'class="{name}"', name)
                )
        if tag == "a" and "id" in attrs and in_code:
            out.append(
                Removed("<code> 中带 id 的 <a>（网站主题会隐藏其文字）", f'<a id="{_short(attrs["id"])}">', "<a")
            )
    return out


def removed(html_text: str) -> list[Removed]:
    """What sanitising ``html_text`` would change, and what the theme would hide
    (:func:`theme_styled`); empty when it is safe to publish as it is."""
    styled = theme_styled(html_text)
    cleaned = clean(html_text)
    if cleaned == html_text or cleaned == _void_fixed(html_text):
        return styled
    before, after = tokens(html_text), tokens(cleaned)
    if before == after:
        return styled
    return describe(before, after) + styled


def describe(before: list[tuple], after: list[tuple]) -> list[Removed]:
    """The differences of two token streams, as what was removed (or, rarely, rewritten)."""
    out: list[Removed] = []
    tags_b = Counter(t[1] for t in before if t[0] == "start")
    tags_a = Counter(t[1] for t in after if t[0] == "start")
    for tag in sorted(tags_b - tags_a):
        out.append(Removed(f"<{tag}> 标签", f"<{tag}>", f"<{tag}"))
    attrs_b = Counter((t[1], n, v) for t in before if t[0] == "start" for n, v in t[2])
    attrs_a = Counter((t[1], n, v) for t in after if t[0] == "start" for n, v in t[2])
    removed_tags = set(tags_b - tags_a)
    for tag, name, value in sorted(attrs_b - attrs_a):
        if tag in removed_tags and tags_a[tag] == 0:
            continue  # the whole tag went; already said
        if name in _URL_ATTRIBUTES:
            out.append(
                Removed(
                    f"<{tag}> 的 {name} 网址（只允许 http、https、mailto、tel 和相对网址）",
                    f'{name}="{_short(value)}"',
                    value[:20] or name,
                )
            )
        elif name == "style":
            out.append(Removed(f"<{tag}> 的 style 样式属性", f'style="{_short(value)}"', "style"))
        elif name.startswith("on"):
            out.append(Removed(f"<{tag}> 的事件属性 {name}（会运行脚本）", f'{name}="{_short(value)}"', name))
        else:
            out.append(Removed(f"<{tag}> 的 {name} 属性", f'{name}="{_short(value)}"', name))
    comments_b = Counter(t[1] for t in before if t[0] == "comment")
    comments_a = Counter(t[1] for t in after if t[0] == "comment")
    for c in sorted(comments_b - comments_a):
        out.append(Removed("HTML 注释", f"<!--{_short(c)}-->", "<!--"))
    decls = Counter(t[1] for t in before if t[0] in ("decl", "pi")) - Counter(
        t[1] for t in after if t[0] in ("decl", "pi")
    )
    for d in sorted(decls):
        out.append(Removed("HTML 声明", f"<!{_short(d)}>", "<!"))
    texts_b = Counter(t[1] for t in before if t[0] == "text")
    texts_a = Counter(t[1] for t in after if t[0] == "text")
    if not out:
        for text in sorted(texts_b - texts_a):
            out.append(Removed("文字（位于被删除的元素中或被改写）", _short(text.strip()), text.strip()[:10]))
    if not out:  # same parts, another structure: html5ever reads it differently from what was written
        out.append(Removed("HTML 结构（浏览器会按另一种结构解析）", "", "<"))
    return out


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "……"
