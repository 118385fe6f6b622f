"""Probes shared by the gate's tests (test_gate_rendered, test_gate_acceptance, test_redteam_gate2):
an item record judged by the source gate alone, an item file written into a content folder with
a canary word, and a file read as a reader (or a scraper of the search index) would read it."""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import opencc

from helpers import ROOT
from pipeline import confidentiality
from pipeline.config import load_config
from pipeline.model import Item
from pipeline.rendered import MarkdownSettings

CONFIG = load_config(ROOT / "site_config")
MARKDOWN = MarkdownSettings.from_mkdocs(ROOT / "mkdocs.yml")
TZ = ZoneInfo("Asia/Shanghai")
FILLER = "江临市商务局召开外贸企业座谈会，听取企业关于订单、物流和融资方面的意见建议。" * 8
T2S = opencc.OpenCC("t2s")


# the front matter lines of the keys an item made by make_item names (its body starts on line 10)
KEY_LINES = (("title", 2), ("date", 3), ("author", 6), ("reviewer", 7), ("summary", 8), ("tags", 9))


def make_item(body: str, raw: bool = False, **kw) -> Item:
    base = dict(
        path="items/bureau/2026/2026-03-15-x.md",
        slug="2026-03-15-x",
        title="测试条目",
        date=datetime(2026, 3, 15, tzinfo=TZ),
        site="bureau",
        column="news",
        author="张三",
        reviewer="李四",
        body=body if raw else FILLER + "\n\n" + body + "\n\n" + FILLER,
        body_line=10,
        key_lines=KEY_LINES,
    )
    base.update(kw)
    return Item(**base)


def gate_one(item: Item):
    return confidentiality.gate([item], CONFIG, date(2026, 11, 28), markdown=MARKDOWN)


def rules(item: Item) -> set[str]:
    return {f.rule for f in gate_one(item).findings if f.severity == "error"}


def canary(slug: str) -> str:
    """A unique Chinese word per item (slugs differ, so canaries do too)."""
    return "金丝雀" + "".join("甲乙丙丁戊己庚辛壬癸"[ord(c) % 10] for c in slug) + slug.replace("-", "")


def write_item(content: Path, slug: str, body: str, extra: dict) -> str:
    front = {
        "title": f"测试条目 {slug}",
        "date": "2026-03-02 10:00",
        "site": "bureau",
        "column": "news",
        "author": "李晓梅",
        "reviewer": "陈立新",
    }
    front.update(extra)
    lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()] + ["---", ""]
    text = (
        "\n".join(lines)
        + f"{canary(slug)}。本条用于检验保密审查。"
        + "\n\n"
        + body
        + "\n\n"
        + "商务工作稳步推进。" * 30
        + "\n"
    )
    path = content / "items" / "bureau" / "2026" / f"2026-03-02-{slug}.md"
    path.write_text(text, encoding="utf-8")
    return path.relative_to(content).as_posix()


def reader_text(data: bytes) -> str:
    """A file as a reader (or a scraper of the search index) would see it, normalised hard."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8", "ignore")
    for _ in range(2):  # feeds carry escaped HTML
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    text = T2S.convert(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
