"""``portal new``: the skeleton of a new item (信息条目) for a 信息员 to fill in.

Given sub-site, column, title and kind, it works out the item's file
(``content/items/<site>/<year>/<date>-<slug>.md``) and its text: every required front-matter
key filled in, the optional keys present as Chinese comments, and no ``reviewer`` — the item
stays unpublished until the 审签人 signs it off (先审查、后公开).  The slug is the ASCII words
of the title, or a short hash of it when the title has none (Chinese titles); ``--slug`` sets
it.  It validates sub-site and column against ``site_config/`` and refuses to overwrite a
file; it does not print, and it does not check the body (``portal check`` does that).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from pipeline import safe_yaml
from pipeline.config import Config
from pipeline.load import SLUG_RE, _visible, parse_date
from pipeline.model import KINDS

SLUG_WORDS = 6  # at most this many ASCII words of the title in a slug


class NewItemError(Exception):
    """The item cannot be created; ``str()`` is a Chinese message for the editor."""


@dataclass(frozen=True)
class NewItem:
    path: Path  # the file to create
    text: str


def slug_for(title: str) -> str:
    """ASCII words of the title (``Q1 外贸 report`` → ``q1-report``), else ``item-<hash>``."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    slug = "-".join(words[:SLUG_WORDS])
    if sum(c.isalpha() for c in slug) >= 3:
        return slug
    digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"item-{digest}"


def git_author(cwd: Path | None = None) -> str | None:
    """``git config user.name``, or None when git or the setting is missing."""
    try:
        done = subprocess.run(["git", "config", "user.name"], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    name = done.stdout.strip()
    return name or None


def _yaml_value(value: str) -> str:
    """A scalar as YAML text: plain when that reads back the same, else double-quoted."""
    try:
        if safe_yaml.load(f"k: {value}") == {"k": value}:  # an alias, tag or deep nesting: quoted
            return value
    except yaml.YAMLError:
        pass
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _line(text: str, comment: str, column: int = 30) -> str:
    """``text``, then ``# comment`` lined up at ``column`` (Chinese characters count double)."""
    return text + " " * max(1, column - _width(text)) + "# " + comment


# Optional keys of the item contract, in the order the skeleton lists them: (key, example line,
# Chinese comment).  A key given a value is written for real; the others stay commented.
OPTIONAL_LINES = (
    ("reviewer", "reviewer: 审签人姓名", "审签领导审核后填写；没有审签人的条目不会发布"),
    ("disclosure", "disclosure: 主动公开", "主动公开 | 依申请公开 | 不予公开，默认 主动公开"),
    ("classified", "classified: false", "涉密为 true；涉密信息永不发布"),
    ("channels", "channels: [网站, 微信]", "同时发布的渠道；多个渠道只计 1 条"),
    ("adopted", "adopted: [市局, 省厅]", "被哪一级采用（计分用）"),
    ("doc_number", "doc_number: 江商发〔2026〕1号", "文号"),
    ("topic", "topic: 对外贸易", "主题分类"),
    ("genre", "genre: 工作动态", "体裁分类"),
    ("summary", "summary: 一句话概述", "内容概述"),
    ("tags", "tags: [外贸, 稳增长]", "关键词"),
)
BODY_PLACEHOLDER = "<!-- 在这里写正文（Markdown），每条不少于 200 字。写完运行 portal check 检查，再请审签人审核。 -->"


def item_text(
    title: str,
    when: datetime,
    site: str,
    column: str,
    author: str,
    kind: str,
    config: Config,
    *,
    fields: dict[str, str] | None = None,
    attachments: tuple[tuple[str, str], ...] = (),
    remarks: tuple[str, ...] = (),
    body: str | None = None,
    date_only: bool = False,
) -> str:
    """The item file: required keys filled in, optional keys as Chinese comments.

    ``fields``: optional text keys that are known (``doc_number`` …) — written as keys, not
    comments; ``attachments``: (display name, ``files/…`` path) pairs; ``remarks``: YAML
    comment lines kept in the front matter (e.g. what an import read from the document);
    ``body``: the body text (default: a placeholder comment); ``date_only``: write the
    date without a time of day."""
    fields = fields or {}
    unknown = set(fields) - {key for key, _, _ in OPTIONAL_LINES}
    if unknown:
        raise ValueError(f"item_text: unknown optional keys {sorted(unknown)}")
    site_name = config.site_by_id[site].name
    column_name = config.column_by_id[column].name
    stamp = f"{when:%Y-%m-%d}" if date_only else f"{when:%Y-%m-%d %H:%M}"
    lines = [
        "---",
        f"title: {_yaml_value(title)}",
        _line(f"date: {stamp}", "发布日期（北京时间）；正式发布时改为发布当天"),
        _line(f"site: {site}", f"子站：{site_name}"),
        _line(f"column: {column}", f"栏目：{column_name}"),
        _line(f"author: {_yaml_value(author)}", "信息员"),
        _line(f"kind: {kind}", f"信息类型：{' | '.join(KINDS)}（调研不少于 3000 字）"),
    ]
    for key, example, comment in OPTIONAL_LINES:
        if fields.get(key):
            lines.append(_line(f"{key}: {_yaml_value(fields[key])}", comment))
        else:
            lines.append(_line(f"# {example}", comment))
    if attachments:
        lines.append(_line("attachments:", "附件，文件在 content/files/ 下"))
        for name, file in attachments:
            lines.append(f"  - name: {_yaml_value(name)}")
            lines.append(f"    file: {_yaml_value(file)}")
    else:
        lines.append(_line("# attachments:", "附件，文件放在 content/files/ 下"))
        lines.append("#   - {name: 申报表.xlsx, file: files/2026/apply-form.xlsx}")
    lines.extend("# " + " ".join(remark.split()) for remark in remarks)
    lines.append("---")
    lines.append(BODY_PLACEHOLDER if body is None else body.strip())
    lines.append("")
    return "\n".join(lines)


def check_place(config: Config, site: str, column: str, kind: str) -> None:
    """Sub-site, column and kind exist, and the sub-site carries the column; else :class:`NewItemError`."""
    if site not in config.site_by_id:
        raise NewItemError(f"子站 “{site}” 不存在，可选：{'、'.join(config.site_by_id)}")
    if column not in config.column_by_id:
        raise NewItemError(f"栏目 “{column}” 不存在，可选：{'、'.join(config.column_by_id)}")
    if column not in config.site_by_id[site].columns:
        raise NewItemError(
            f"子站 “{site}” 没有开设栏目 “{column}”，该子站的栏目：{'、'.join(config.site_by_id[site].columns)}"
        )
    if kind not in KINDS:
        raise NewItemError(f"信息类型 “{kind}” 无效，可选：{'、'.join(KINDS)}")


def item_path(content: Path, site: str, when: datetime, slug: str) -> Path:
    """``content/items/<site>/<year>/<date>-<slug>.md``; :class:`NewItemError` when the slug
    cannot be part of a URL.  Does not look at the disk."""
    slug = slug.strip().lower()
    name = f"{when:%Y-%m-%d}-{slug}"
    if not SLUG_RE.match(name):
        raise NewItemError(f"短名 “{slug}” 会成为网址，只能用小写英文字母、数字、连字符和下划线")
    return content / "items" / site / str(when.year) / f"{name}.md"


def plan(
    content: Path,
    config: Config,
    site: str,
    column: str,
    title: str,
    kind: str,
    author: str | None,
    when: datetime,
    slug: str | None = None,
) -> NewItem:
    """Where the new item goes and what it says; :class:`NewItemError` when it cannot be made."""
    title = title.strip()
    if not _visible(title):
        raise NewItemError("标题不能为空（只有空格、零宽字符也算空），请用 --title 填写")
    check_place(config, site, column, kind)
    if not author or not _visible(author):
        raise NewItemError("不知道信息员是谁：请用 --author 填写姓名，或设置 git config user.name")
    for what, value in (("标题", title), ("信息员", author)):
        bad = safe_yaml.CONTROL.search(value)
        if bad:  # portal check would refuse the file it makes (encoding): never write one
            raise NewItemError(f"{what}含有控制字符 U+{ord(bad.group()):04X}（通常是从别处复制时带进来的），请删去")
    path = item_path(content, site, when, slug or slug_for(title))
    if path.exists():
        raise NewItemError(f"文件 {path} 已存在，不会覆盖。请换一个标题或用 --slug 指定短名")
    return NewItem(path, item_text(title, when, site, column, author.strip(), kind, config))


def parse_when(text: str | None, config: Config, now: datetime) -> datetime:
    """``--date`` (2026-03-15 or 2026-03-15 09:30) or, without it, ``now`` in the portal's zone."""
    if not text:
        return now.astimezone(config.portal.tz).replace(second=0, microsecond=0)
    try:
        when = parse_date(text, config.portal.tz)
    except ValueError:
        raise NewItemError(f"日期 “{text}” 无法识别，请写成 2026-03-15 或 2026-03-15 09:30") from None
    last = now.astimezone(config.portal.tz).year + 1
    if not config.portal.first_year <= when.year <= last:  # what portal check calls bad-date
        raise NewItemError(f"日期 “{text}” 不在 {config.portal.first_year}–{last} 年之间，请核对年份")
    return when


def write(new: NewItem) -> Path:
    """Create the file (and its folders); never overwrites an existing file, and never leaves a
    half-written item: the text goes to a hidden temporary file first, which is then linked
    to its name (a link fails when the name exists)."""
    new.path.parent.mkdir(parents=True, exist_ok=True)
    temporary = new.path.with_name(f".{new.path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(new.text, encoding="utf-8")
        try:
            os.link(temporary, new.path)
        except FileExistsError:
            raise NewItemError(f"文件 {new.path} 已存在，不会覆盖") from None
        except OSError:  # a file system without hard links: exclusive create instead
            try:
                with new.path.open("x", encoding="utf-8") as handle:
                    handle.write(new.text)
            except FileExistsError:
                raise NewItemError(f"文件 {new.path} 已存在，不会覆盖") from None
    finally:
        temporary.unlink(missing_ok=True)
    return new.path
