"""The item record (信息条目): one Markdown file under ``content/items/`` after loading.

Items are frozen; a stage that adds something (an 索引号, say) returns a new record made
with :func:`dataclasses.replace`.  The URL is derived from sub-site, year and file name —
never from a list position — so it is permanent (``/<site>/<year>/<slug>/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

DISCLOSURES = ("主动公开", "依申请公开", "不予公开")
KINDS = ("简讯", "信息", "调研")
DEFAULT_CHANNELS = ("网站",)


@dataclass(frozen=True)
class Attachment:
    """附件：显示名与链接（相对 content/ 的文件或外部网址）。"""

    name: str
    href: str


@dataclass(frozen=True)
class ChangeNote:
    """更新记录：内容在发布后有实质改动时，编辑写下的日期和说明（front matter ``changes``）。"""

    date: datetime
    note: str


@dataclass(frozen=True)
class Item:
    path: str  # relative to the content directory, posix separators (names the file in findings)
    slug: str
    title: str
    date: datetime  # 发布日期, timezone-aware
    site: str
    column: str
    author: str
    body: str
    reviewer: str | None = None
    disclosure: str = "主动公开"
    classified: bool = False
    kind: str = "信息"
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    adopted: tuple[str, ...] = ()
    doc_number: str | None = None
    topic: str | None = None
    genre: str | None = None
    summary: str | None = None
    tags: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    validity: str | None = None
    original: bool = False
    original_reason: str | None = None
    changes: tuple[ChangeNote, ...] = ()  # 更新记录, oldest first
    date_changed_reason: str | None = None  # why the 发布日期 was changed after publication
    index_number: str | None = None  # 索引号, assigned by the numbering stage
    body_line: int = 1  # file line where the body starts (for findings)
    key_lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)
    content_hash: str = ""

    @property
    def day(self):
        """发布日期's calendar day in the portal's time zone (the loader keeps dates in that zone)."""
        return self.date.date()

    def day_in(self, tz):
        """发布日期's calendar day in ``tz`` — the one place an item's local day is worked out (an
        item made in code, not by the loader, may carry another zone)."""
        return self.date.astimezone(tz).date()

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def url(self) -> str:
        """Site-relative permanent URL, with a trailing slash: ``bureau/2026/2026-03-15-x/``."""
        return f"{self.site}/{self.year}/{self.slug}/"

    @property
    def docs_path(self) -> str:
        """Where the docs tree holds this item's page (mkdocs maps it to :attr:`url`)."""
        return f"{self.site}/{self.year}/{self.slug}.md"

    @property
    def updated(self) -> datetime | None:
        """更新日期: the newest change note's date, when the item has any."""
        return self.changes[-1].date if self.changes else None

    def line_of(self, key: str) -> int | None:
        return dict(self.key_lines).get(key)

    @property
    def text_length(self) -> int:
        """Characters of body text, not counting whitespace (字数)."""
        return len("".join(self.body.split()))


@dataclass(frozen=True)
class TrafficYear:
    """A year's totals from the access-log store (:func:`pipeline.traffic.year_totals`), the input of
    the 政府网站工作年度报表 (:mod:`pipeline.website_report`)."""

    visitors: int  # sum of daily unique visitors
    page_views: int
    days: int  # days with log lines
    first: date | None = None
    last: date | None = None
