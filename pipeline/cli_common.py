"""What every ``portal`` command shares: the common options (``--content``, ``--config``,
``--db``, ``--as-of``, ``--jobs`` …), their Chinese-refusing value types, and the helpers that
load the configuration and the checked publication or print findings.

The commands live in ``cli_content`` (check, new, import), ``cli_build`` (build, serve,
cms-config, audit, verify), ``cli_figures`` (stats, health, number, report, upstream),
``cli_review`` and ``cli_website``; :mod:`pipeline.cli` puts them on the ``portal`` group.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

import click

from pipeline import publication
from pipeline import upstream as upstream_mod
from pipeline.config import Config, ConfigError, load_config
from pipeline.confidentiality import DECLARED_RULES
from pipeline.findings import ERROR, INFRASTRUCTURE_RULES, Finding, infrastructure_failures
from pipeline.rendered import MarkdownSettings, SettingsError


class _Place(click.ParamType):
    """A path option checked before any work, refused with a Chinese message: ``folder`` must be an
    existing folder (``--content``: a mistyped or unmounted one built an empty portal and swapped
    it in); ``new-folder`` a folder when it exists (``--work``); ``new-file`` a regular file when
    it exists (``--db``, ``--mkdocs``, ``--traffic-db``: a named pipe there blocked the command)."""

    name = "PATH"

    def __init__(self, kind: str):
        self.kind = kind

    def convert(self, value, param, ctx):
        path = value if isinstance(value, Path) else Path(value)
        if self.kind == "folder" and not path.is_dir():
            self.fail(f"“{path}” 不存在或不是文件夹", param, ctx)
        if self.kind == "new-folder" and os.path.lexists(path) and not path.is_dir():
            self.fail(f"“{path}” 不是文件夹", param, ctx)
        if self.kind == "new-file" and os.path.lexists(path) and not path.is_file():
            self.fail(f"“{path}” 不是普通文件（是文件夹、命名管道或设备）", param, ctx)
        return path


FOLDER, NEW_FOLDER, NEW_FILE = _Place("folder"), _Place("new-folder"), _Place("new-file")

CONTENT = click.option(
    "--content",
    "content",
    type=FOLDER,
    default=Path("content"),
    show_default=True,
    help="内容目录（items/、pages/ …）",
)
NEW_CONTENT = click.option(  # new and import: a portal's first item creates the folder
    "--content",
    "content",
    type=NEW_FOLDER,
    default=Path("content"),
    show_default=True,
    help="内容目录（items/、pages/ …）",
)
DB = click.option(
    "--db",
    "db",
    type=NEW_FILE,
    default=None,
    help="上级信息（查重）数据库，默认 .portal/upstream.sqlite（build 为 <work>/upstream.sqlite）；"
    "本地文件信息源每次自动读入",
)
CONFIG = click.option(
    "--config",
    "config_dir",
    type=click.Path(path_type=Path),
    default=Path("site_config"),
    show_default=True,
    help="配置目录（portal.yaml、sites.yaml …）",
)


class _Date(click.ParamType):
    """A YYYY-MM-DD option value, refused with a Chinese message (click's own is English)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"“{value}” 不是日期，请写成 2026-11-28", param, ctx)
        if not YEARS[0] <= day.year <= YEARS[1]:  # no date arithmetic near the calendar's ends
            self.fail(f"“{value}” 的年份不在 {YEARS[0]}–{YEARS[1]} 之间", param, ctx)
        return datetime.combine(day, datetime.min.time())


YEARS = (1000, 9000)  # years an option may name


class _Year(click.ParamType):
    """A four-digit year option value, refused with a Chinese message."""

    name = "YYYY"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if (isinstance(value, int) or (text.isdigit() and len(text) == 4)) and YEARS[0] <= int(text) <= YEARS[1]:
            return int(text)
        self.fail(f"“{value}” 不是年份，请写成 2025 这样的四位数字", param, ctx)


AS_OF = click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD|today",
    help="未来日期检查（future-date）的参照日，today 表示今天（门户时区）；不给时取环境变量 SOURCE_DATE_EPOCH，"
    "都没有则不做此项检查",
)


class _Jobs(click.ParamType):
    """A number of processes, 1–256, refused with a Chinese message."""

    name = "N"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if isinstance(value, int) or text.isdigit():
            if 1 <= int(text) <= 256:
                return int(text)
        self.fail(f"“{value}” 不是进程数，请写 1 到 256 之间的整数，例如 --jobs 2", param, ctx)


class _Seconds(click.ParamType):
    """A number of seconds, 0 to a day, refused with a Chinese message (not nan, inf or negative)."""

    name = "S"

    def convert(self, value, param, ctx):
        try:
            seconds = float(str(value).strip())
        except ValueError:
            seconds = None
        if seconds is None or not 0 <= seconds <= 86400:  # nan fails both comparisons
            self.fail(f"“{value}” 不是秒数，请写 0 到 86400 之间的数，例如 --idle 5", param, ctx)
        return seconds


JOBS = click.option(
    "--jobs",
    "-j",
    "jobs",
    type=_Jobs(),
    default=None,
    metavar="N",
    help="并行进程数（逐文件的读取、保密审查、查重指纹；结果与单进程相同），默认每个 CPU 核一个",
)


def _reference_date(as_of: str | None, config: Config) -> tuple[date | None, str]:
    """The "today" of the future-date warning and where it came from — only ever what the
    caller asked for (``--as-of``, ``SOURCE_DATE_EPOCH``), never the clock on its own, so the
    same inputs give the same findings and the same review.json on any day."""
    if as_of:
        if as_of.strip().lower() == "today":
            return datetime.now(config.portal.tz).date(), "--as-of today"
        try:
            day = date.fromisoformat(as_of.strip())
        except ValueError:
            day = None
        if day is None or not YEARS[0] <= day.year <= YEARS[1]:
            click.echo(
                f"参数错误：--as-of “{as_of}” 不是 {YEARS[0]}–{YEARS[1]} 年间的日期，请写成 2026-11-28 或 today",
                err=True,
            )
            sys.exit(1)
        return day, "--as-of"
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            day = datetime.fromtimestamp(int(epoch), config.portal.tz).date()
        except (OverflowError, OSError, ValueError):
            day = None
        if day is None or not YEARS[0] <= day.year <= YEARS[1]:
            click.echo(
                f"环境变量 SOURCE_DATE_EPOCH “{epoch[:30]}” 不是合理的时间戳（{YEARS[0]}–{YEARS[1]} 年间的秒数）",
                err=True,
            )
            sys.exit(1)
        return day, "SOURCE_DATE_EPOCH"
    return None, ""


def _reference_text(reference: date | None, source: str) -> str:
    if reference is None:
        return "未检查未来日期（需要时加 --as-of today 或 --as-of 2026-11-28）"
    return f"未来日期检查的参照日：{reference.isoformat()}（{source}）"


def _load_config(config_dir: Path) -> Config:
    try:
        return load_config(config_dir)
    except ConfigError as exc:
        click.echo(f"配置错误：{exc}", err=True)
        sys.exit(1)


def _write_out(out: Path, text: str) -> None:
    """``text`` into the ``--out`` file; a path that cannot be written (a folder, a full disk, no
    permission) is a Chinese message and exit status 1, never a traceback."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        reason = "这是一个文件夹，请给出文件名" if out.is_dir() else (exc.strerror or str(exc))
        click.echo(f"无法写入 {out}：{reason}", err=True)
        sys.exit(1)


def _checked_publication(content: Path, config: Config, db: Path | None) -> publication.Publication:
    """The publication for the reports (stats, health, number, report …), read-only; when a
    piece could not do its job (upstream database, ledger, gate) the figures would count
    unchecked items, so the command stops with exit status 1 instead."""
    pub = publication.run(content, config, upstream_db=db or upstream_mod.DEFAULT_DB, upstream_read_only=True)
    broken = infrastructure_failures(pub.findings)
    if broken:
        for f in broken:
            click.echo(f.text(), err=True)
        pieces = "、".join(dict.fromkeys(INFRASTRUCTURE_RULES[f.rule] for f in broken))
        click.echo(f"{pieces}无法完成工作，结果会包含未经检查的信息，未输出。", err=True)
        sys.exit(1)
    return pub


def _print_findings(findings: tuple[Finding, ...] | list[Finding], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
        return
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.path, []).append(f)
    for path, group in by_file.items():
        click.echo(path)
        for f in group:
            where = f"第 {f.line} 行" if f.line else "整个文件"
            label = "警告" if f.severity != ERROR else ("不发布" if f.rule in DECLARED_RULES else "错误")
            click.echo(f"  {where}：{label} [{f.rule}] {f.message}")


def _markdown_settings(mkdocs_file: Path, required: bool) -> MarkdownSettings | None:
    """The Markdown extensions of mkdocs.yml, read once per command; exit 1 with a Chinese
    message when the file cannot be used (``required=False``: a missing file means defaults)."""
    if not required and not mkdocs_file.exists():
        return None
    try:
        return MarkdownSettings.from_mkdocs(mkdocs_file)
    except SettingsError as exc:
        click.echo(f"无法读取 Markdown 设置：{exc}", err=True)
        sys.exit(1)


STATS_AS_OF = click.option(
    "--as-of", "as_of", type=_Date(), default=None, help="统计日 YYYY-MM-DD，默认为最新一条信息的发布日期"
)


def _as_of(pub, config: Config, given) -> "date":
    from pipeline import stats as stats_mod

    day = given.date() if given is not None else stats_mod.default_as_of(pub, config)
    if day is None:
        click.echo("没有可发布的信息，无法统计。", err=True)
        sys.exit(1)
    return day


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
