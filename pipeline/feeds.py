"""Reading an upstream feed (RSS/Atom of 商务部, 省商务厅): HTTP(S) or a local file, parsed
with feedparser into :class:`Entry` records of plain text (HTML stripped).  A feed that
cannot be fetched or parsed is a :class:`FeedError` with the reason in Chinese.  Storing the
entries is :mod:`pipeline.upstream`'s job; nothing here writes or prints.
"""

from __future__ import annotations

import os
import stat
import urllib.error
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import feedparser

from pipeline import http_get
from pipeline.config import UpstreamSource

FETCH_TIMEOUT = 20  # seconds: one wait for the server
FETCH_TOTAL = 120  # seconds: the whole feed
FEED_MAX_BYTES = 64 * 1024 * 1024  # a feed of the newest few hundred entries is well under 10 MB


class FeedError(Exception):
    """A feed could not be fetched or parsed; ``str()`` is the Chinese reason."""


@dataclass(frozen=True)
class Entry:
    link: str | None
    title: str
    published: str | None
    text: str


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def strip_html(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def fetch(source: UpstreamSource, root: Path) -> bytes:
    """The raw feed of a source: HTTP(S) GET, or a file relative to the project ``root``."""
    if source.is_remote:
        try:  # a configured http(s) URL, bounded in size and total time
            return http_get.get(
                source.url,
                user_agent="commerce-portal upstream ingest",
                timeout=FETCH_TIMEOUT,
                limit=FEED_MAX_BYTES,
                total=FETCH_TOTAL,
            )
        except urllib.error.HTTPError as exc:
            raise FeedError(f"服务器返回 HTTP {exc.code}（{source.url}）") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FeedError(f"无法连接（{source.url}）：{reason}") from None
    path = Path(source.url)
    path = path if path.is_absolute() else root / path
    try:
        with open(path, "rb", opener=_no_wait) as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise FeedError(f"{path} 不是普通文件（文件夹、管道或设备），无法读取")
            data = f.read(FEED_MAX_BYTES + 1)
    except OSError as exc:
        raise FeedError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    if len(data) > FEED_MAX_BYTES:
        raise FeedError(f"文件 {path} 超过 {FEED_MAX_BYTES // (1024 * 1024)} MB 上限，不像正常的信息源")
    return data


def _no_wait(path: str, flags: int) -> int:
    """Open without waiting for a writer (a FIFO in place of the feed file would hang the build)."""
    return os.open(path, flags | os.O_NONBLOCK)


def _iso(parsed) -> str | None:
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()


def parse_feed(data: bytes) -> tuple[list[Entry], str | None]:
    """Entries of an RSS/Atom document and a note when it was malformed but readable.
    Raises :class:`FeedError` when nothing can be read from it."""
    parsed = feedparser.parse(data)
    problem = str(getattr(parsed, "bozo_exception", "")) if parsed.bozo else None
    if not parsed.entries:
        if problem:
            raise FeedError(f"不是有效的 RSS/Atom：{problem}")
        if not parsed.version:
            raise FeedError("不是 RSS/Atom 格式")
    entries = []
    for e in parsed.entries:
        html = e.content[0].value if e.get("content") else e.get("summary", "")
        entries.append(
            Entry(
                link=(e.get("link") or e.get("id") or None),
                title=strip_html(e.get("title", "")),
                published=_iso(e.get("published_parsed") or e.get("updated_parsed")),
                text=strip_html(html),
            )
        )
    return entries, (f"格式有误但已读取 {len(entries)} 条：{problem}" if problem else None)
