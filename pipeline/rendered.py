"""What a reader receives: Markdown rendered with the site's own extensions, seen as a browser sees it.

The confidentiality gate must judge the published page, not the source: ``&#26426;&#23494;★``,
``机**密**★`` or ``138<b></b>00138000`` are harmless-looking Markdown that a browser shows as a
marking or a phone number.  This module turns Markdown into the HTML mkdocs would make of it
(the ``markdown_extensions`` of ``mkdocs.yml``, read once into :class:`MarkdownSettings`) and
then into a :class:`ReaderView`: the visible text with entities decoded and tags removed, and
every attribute value (``href``, ``src``, ``title``, ``alt`` …) decoded the same way.

Apart from reading ``mkdocs.yml`` once (:meth:`MarkdownSettings.from_mkdocs`), pure functions
over strings: nothing here reads items, prints, or decides; the gate
(:mod:`pipeline.confidentiality`), the attachment check and the output audit
(:mod:`pipeline.audit`) use it.  A :class:`markdown.Markdown` instance is kept per settings
and process and reset before each use.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown

# What mkdocs.yml of this repository asks for; used when no mkdocs.yml is given (tests, tools).
DEFAULT_EXTENSIONS = (
    "tables",
    "attr_list",
    "md_in_html",
    "admonition",
    "def_list",
    "toc",
    "pymdownx.details",
    "pymdownx.superfences",
)

# Block-level tags: their boundaries separate words in what a reader sees.
_BLOCK = frozenset(
    "address article aside blockquote br caption dd details div dl dt fieldset figcaption figure footer h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
# Attributes whose value is a URL (or a list of them): what a link, image or embed points to.
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "srcset",
        "poster",
        "data",
        "action",
        "formaction",
        "xlink:href",
        "background",
        "cite",
        "longdesc",
        "usemap",
        "manifest",
        "codebase",
        "archive",
    }
)


class SettingsError(Exception):
    """``mkdocs.yml`` cannot be read for its Markdown extensions; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class MarkdownSettings:
    """The Markdown extensions (and their options, as JSON text) that mkdocs renders pages with."""

    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    configs_json: str = "{}"

    @classmethod
    def from_mkdocs(cls, mkdocs_file: Path) -> "MarkdownSettings":
        """The ``markdown_extensions`` of a ``mkdocs.yml`` (read with mkdocs' own YAML loader,
        which knows its ``!ENV`` and ``!relative`` tags)."""
        from mkdocs.utils.yaml import yaml_load

        try:
            with open(mkdocs_file, "rb") as fh:
                data = yaml_load(fh) or {}
        except Exception as exc:  # noqa: BLE001 - any failure to read it is the same message
            raise SettingsError(f"{mkdocs_file}: 无法读取 markdown_extensions：{exc}") from None
        names: list[str] = []
        configs: dict[str, dict] = {}
        for entry in data.get("markdown_extensions") or []:
            if isinstance(entry, str):
                names.append(entry)
            elif isinstance(entry, dict) and len(entry) == 1:
                name, options = next(iter(entry.items()))
                names.append(str(name))
                if options:
                    configs[str(name)] = options
            else:
                raise SettingsError(f"{mkdocs_file}: markdown_extensions 的写法无法识别：{entry!r}")
        try:
            configs_json = json.dumps(configs, ensure_ascii=False, sort_keys=True)
        except TypeError as exc:
            raise SettingsError(f"{mkdocs_file}: markdown_extensions 的选项无法使用：{exc}") from None
        return cls(tuple(names), configs_json)


_RENDERERS: dict[MarkdownSettings, markdown.Markdown] = {}


def render_html(text: str, settings: MarkdownSettings = MarkdownSettings()) -> str:
    """``text`` as HTML, with the extensions mkdocs uses (mkdocs' own link-rewriting
    extensions change no text, so they are not needed to judge what a reader sees)."""
    md = _RENDERERS.get(settings)
    if md is None:
        md = markdown.Markdown(
            extensions=list(settings.extensions), extension_configs=json.loads(settings.configs_json)
        )
        _RENDERERS[settings] = md
    md.reset()
    try:
        return md.convert(text)
    except BaseException:
        # a conversion that broke off (RecursionError on deep nesting …) can leave the instance's
        # parsers half-way: the next text gets a fresh one
        _RENDERERS.pop(settings, None)
        raise


@dataclass(frozen=True)
class ReaderView:
    """What a browser shows and follows: visible text, and every attribute value, decoded."""

    text: str  # entities decoded, tags removed; block boundaries become line breaks
    attributes: tuple[tuple[str, str, str], ...]  # (tag, attribute, value), in document order
    comments: tuple[str, ...] = ()  # HTML comments: invisible, but in the page source

    @property
    def urls(self) -> tuple[str, ...]:
        """Values of URL attributes (``srcset`` split into its URLs), stripped."""
        out: list[str] = []
        for _tag, name, value in self.attributes:
            if name == "srcset":
                out += [part.split()[0] for part in value.split(",") if part.split()]
            elif name in URL_ATTRIBUTES:
                out.append(value.strip())
        return tuple(out)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK:
            self.parts.append("\n")
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


# A numeric character reference too long for int() (Python refuses over 4,300 digits) or beyond
# Unicode: browsers show U+FFFD; html.unescape and HTMLParser raise ValueError on the first kind.
HUGE_CHARREF = re.compile(r"&#(?:[xX]0*[0-9a-fA-F]{7,}|0*[0-9]{8,});?")


def safe_text(text: str) -> str:
    """``text`` with character references no browser can decode replaced by U+FFFD, so that
    decoding it never raises."""
    return HUGE_CHARREF.sub("\ufffd", text) if "&#" in text else text


def unescape(text: str) -> str:
    """``html.unescape`` that never raises (see :func:`safe_text`)."""
    return html.unescape(safe_text(text))


def reader_view(html_text: str) -> ReaderView:
    """The :class:`ReaderView` of an HTML fragment or page.  ``<script>``/``<style>`` content
    counts as text: it is in the page the public receives."""
    reader = _Reader()
    reader.feed(safe_text(html_text))
    reader.close()
    return ReaderView("".join(reader.parts), tuple(reader.attributes), tuple(reader.comments))
