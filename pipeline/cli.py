"""The ``portal`` command line: build, check, serve.

Only this module prints.  Every problem an editor can cause ends in a Chinese message and
exit status 1, never a traceback: configuration errors, malformed items and mkdocs
failures are caught here and reported with file and field.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import date, datetime
from pathlib import Path

import click

from pipeline import build as build_mod
from pipeline import publication
from pipeline import upstream as upstream_mod
from pipeline.config import Config, ConfigError, load_config
from pipeline.confidentiality import DECLARED_RULES
from pipeline.findings import ERROR, INFRASTRUCTURE_RULES, Finding, infrastructure_failures
from pipeline.mkdocs_build import MkdocsError
from pipeline.rendered import MarkdownSettings, SettingsError
from pipeline.progress_bar import build_progress
from pipeline.search_index import SearchIndexError
from pipeline.model import KINDS

CONTENT = click.option(
    "--content",
    "content",
    type=click.Path(path_type=Path),
    default=Path("content"),
    show_default=True,
    help="内容目录（items/、pages/ …）",
)
DB = click.option(
    "--db",
    "db",
    type=click.Path(path_type=Path),
    default=None,
    help="上级信息（查重）数据库，默认 .portal/upstream.sqlite（build 为 <work>/upstream.sqlite）；本地文件信息源每次自动读入",
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
    help="未来日期检查（future-date）的参照日，today 表示今天（门户时区）；不给时取环境变量 SOURCE_DATE_EPOCH，都没有则不做此项检查",
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="commerce-portal")
def main() -> None:
    """江临市商务局门户：信息条目 → 审查 → 统计 → 静态门户。"""


def _register_review_commands() -> None:
    from pipeline.cli_review import approve_cmd, codeowners_cmd

    main.add_command(approve_cmd)
    main.add_command(codeowners_cmd)


_register_review_commands()


@main.command()
@CONTENT
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--staged", is_flag=True, help="只报告 git 暂存区（git add 过）的文件，供 pre-commit 使用")
@click.option(
    "--mkdocs",
    "mkdocs_file",
    type=click.Path(path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="网站的 mkdocs.yml：按其中的 Markdown 扩展渲染条目后审查（默认文件不存在时用本仓库的默认扩展）",
)
@DB
@AS_OF
@JOBS
def check(
    content: Path,
    config_dir: Path,
    fmt: str,
    staged: bool,
    mkdocs_file: Path,
    db: Path | None,
    as_of: str | None,
    jobs: int | None,
) -> None:
    """检查全部条目，不生成网站。有需要修改的错误时退出码为 1。

    涉密（classified）和依申请公开/不予公开（not-public）的条目按其声明不发布，
    会列出但不算错误，与 portal build --strict 一致。
    """
    config = _load_config(config_dir)
    wanted = None
    if staged:
        from pipeline.staged import StagedError, staged_content_paths

        try:
            wanted = staged_content_paths(content)
        except StagedError as exc:
            click.echo(f"无法取得暂存文件：{exc}", err=True)
            sys.exit(1)
    reference, source = _reference_date(as_of, config)
    from pipeline.checking import check_content, must_fix

    try:
        checked = check_content(
            content,
            config,
            upstream_db=db or upstream_mod.DEFAULT_DB,
            reference=reference,
            jobs=jobs,
            markdown=_markdown_settings(mkdocs_file, required=mkdocs_file != Path("mkdocs.yml")),
        )
    except publication.HistoryUnavailable as exc:
        click.echo(f"检查失败：{exc}", err=True)
        sys.exit(1)
    pub = checked.publication
    all_findings = checked.findings
    findings = checked.findings if wanted is None else tuple(f for f in checked.findings if f.path in wanted)
    _print_findings(findings, fmt)
    errors = sum(1 for f in findings if must_fix(f))
    declared = sum(1 for f in findings if f.severity == ERROR and f.rule in DECLARED_RULES)
    warnings = len(findings) - errors - declared
    if fmt == "text":
        scope = (
            f"暂存的 {len(wanted)} 个内容文件（共 {pub.files} 个条目文件）"
            if wanted is not None
            else f"共 {pub.files} 个条目文件"
        )
        click.echo(
            f"{scope}：可发布 {len(pub.published)} 条，不发布 {pub.files - len(pub.published)} 条；"
            f"需要修改的错误 {errors} 个，按声明不发布 {declared} 个，警告 {warnings} 个。",
            err=True,
        )
        click.echo(_reference_text(reference, source), err=True)
        for note in pub.notes:
            click.echo(f"说明：{note}", err=True)
        broken = infrastructure_failures(all_findings)
        if broken:
            pieces = "、".join(dict.fromkeys(INFRASTRUCTURE_RULES[f.rule] for f in broken))
            click.echo(f"注意：{pieces}无法完成工作，检查结果不完整；portal build 会因此失败。", err=True)
    sys.exit(1 if errors else 0)


@main.command("new")
@CONTENT
@CONFIG
@click.option("--site", required=True, help="子站 id（site_config/sites.yaml），例如 bureau")
@click.option("--column", required=True, help="栏目 id（site_config/columns.yaml），例如 news")
@click.option("--title", required=True, help="标题")
@click.option("--kind", type=click.Choice(list(KINDS)), default="信息", show_default=True, help="信息类型")
@click.option("--author", default=None, help="信息员姓名；默认取 git config user.name")
@click.option("--date", "date_text", default=None, help='发布日期，例如 2026-03-15 或 "2026-03-15 09:30"；默认现在')
@click.option("--slug", default=None, help="文件名中的英文短名（成为网址），例如 foreign-trade-q1；默认由标题生成")
def new(
    content: Path,
    config_dir: Path,
    site: str,
    column: str,
    title: str,
    kind: str,
    author: str | None,
    date_text: str | None,
    slug: str | None,
) -> None:
    """新建一条信息：生成带好 front matter 的条目文件并打印其路径。"""
    from datetime import datetime, timezone

    from pipeline import new_item

    config = _load_config(config_dir)
    try:
        when = new_item.parse_when(date_text, config, datetime.now(timezone.utc))
        created = new_item.write(
            new_item.plan(content, config, site, column, title, kind, author or new_item.git_author(), when, slug)
        )
    except new_item.NewItemError as exc:
        click.echo(f"无法新建条目：{exc}", err=True)
        sys.exit(1)
    click.echo(str(created))
    click.echo("已新建条目。写好正文、请审签人审核并填写 reviewer 后，运行 portal check 检查。", err=True)


@main.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@CONTENT
@CONFIG
@click.option("--site", required=True, help="子站 id（site_config/sites.yaml），例如 donghu")
@click.option("--column", required=True, help="栏目 id（site_config/columns.yaml），例如 news")
@click.option("--kind", type=click.Choice(list(KINDS)), default="信息", show_default=True, help="信息类型")
@click.option(
    "--author", default=None, help="信息员姓名；不给时取文档中的“信息员/供稿/撰稿”行，再没有时取 git config user.name"
)
@click.option("--dry-run", is_flag=True, help="只显示会导入什么、检查结果如何，不写入任何文件")
@DB
@AS_OF
@JOBS
def import_(
    sources: tuple[Path, ...],
    content: Path,
    config_dir: Path,
    site: str,
    column: str,
    kind: str,
    author: str | None,
    dry_run: bool,
    db: Path | None,
    as_of: str | None,
    jobs: int | None,
) -> None:
    """从 Word 导入：把 .docx 文档（或文件夹中的全部 .docx）转成条目，并按 portal check 检查。

    识别标题、文号、落款单位和日期、信息员（供稿、撰稿）行和附件说明，写入 front matter；
    图片和附件复制到 content/files/<年份>/。不会覆盖已有文件。有未导入的文档或需要修改的
    错误时退出码为 1（新导入的条目还没有审签人，列为“待审签”，不算错误）。
    """
    import tempfile
    from datetime import datetime, timezone

    from pipeline import word_import
    from pipeline.checking import check_content, must_fix
    from pipeline.new_item import git_author

    config = _load_config(config_dir)
    options = word_import.Options(
        site, column, kind, author, None if author else git_author(), datetime.now(timezone.utc)
    )
    try:
        outcomes = word_import.plan(list(sources), content, config, options, jobs)
    except word_import.ImportError_ as exc:
        click.echo(f"无法导入：{exc}", err=True)
        sys.exit(1)
    if not outcomes:
        click.echo("没有找到可导入的 .docx 文档。", err=True)
        sys.exit(1)
    reference, _ = _reference_date(as_of, config)
    if dry_run:
        upstream_db = db or (upstream_mod.DEFAULT_DB if upstream_mod.DEFAULT_DB.exists() else None)
        with tempfile.TemporaryDirectory(prefix="portal-import-") as tmp:
            word_import.stage(outcomes, content, Path(tmp))
            checked = check_content(
                Path(tmp),
                config,
                upstream_db=upstream_db,
                reference=reference,
                jobs=jobs,
                markdown=_markdown_settings(Path("mkdocs.yml"), required=False),
            )
    else:
        outcomes = word_import.write(outcomes)
        checked = check_content(
            content,
            config,
            upstream_db=db or upstream_mod.DEFAULT_DB,
            reference=reference,
            jobs=jobs,
            markdown=_markdown_settings(Path("mkdocs.yml"), required=False),
        )
    by_item: dict[str, list[Finding]] = {}
    for f in checked.findings:
        by_item.setdefault(f.path, []).append(f)

    def rel(outcome) -> str:
        return outcome.item.relative_to(content).as_posix() if outcome.item is not None else "—"

    def status(outcome) -> str:
        if outcome.refused:
            return "未导入"
        if outcome.skipped:
            return "跳过"
        findings = by_item.get(rel(outcome), [])
        verdict = (
            "有错误"
            if any(must_fix(f) and f.rule != "unreviewed" for f in findings)
            else "待审签"
            if findings and all(f.rule == "unreviewed" or not must_fix(f) for f in findings)
            else "通过检查"
        )
        return ("将导入，" if dry_run else "已导入，") + verdict

    rows = [("文件", "条目", "结果")] + [(str(o.source), rel(o), status(o)) for o in outcomes]
    widths = [max(_display_width(row[i]) for row in rows) for i in range(2)]
    for row in rows:
        click.echo(
            "  ".join(cell + " " * (widths[i] - _display_width(cell)) for i, cell in enumerate(row[:2])) + "  " + row[2]
        )
    errors = refused = waiting = 0
    for o in outcomes:
        findings = by_item.get(rel(o), []) if o.imported else []
        if not (o.refused or o.skipped or o.found or o.notes or findings):
            continue
        click.echo("")
        click.echo(f"{o.source}" + (f" → {rel(o)}" if o.item is not None and o.imported else ""))
        if o.refused:
            refused += 1
            click.echo(f"  未导入：{o.refused}")
            continue
        if o.skipped:
            click.echo(f"  跳过：{o.skipped}")
            continue
        if o.found:
            click.echo(f"  识别：{'；'.join(o.found)}")
        for note in o.notes:
            click.echo(f"  提示：{note}（条目中留有 HTML 注释，核对后删除）")
        for f in findings:
            where = f"第 {f.line} 行" if f.line else "整个文件"
            if f.rule == "unreviewed":
                waiting += 1
                label = "待审签"
            elif must_fix(f):
                errors += 1
                label = "错误"
            else:
                label = "不发布" if f.severity == ERROR else "警告"
            click.echo(f"  检查：{where}：{label} [{f.rule}] {f.message}")
    imported = sum(1 for o in outcomes if o.imported)
    skipped = sum(1 for o in outcomes if o.skipped)
    click.echo("")
    verb = "将导入" if dry_run else "已导入"
    click.echo(
        f"{len(outcomes)} 个文件：{verb} {imported} 条，未导入 {refused} 个，跳过 {skipped} 个；需要修改的错误 {errors} 个，待审签 {waiting} 条。",
        err=True,
    )
    if dry_run:
        click.echo(
            "试运行（--dry-run）：没有写入任何文件；检查只针对这些新条目本身（不与已有条目比较网址和重复）。", err=True
        )
    elif imported:
        click.echo("下一步：核对条目（删除导入提示注释），请审签人审核并填写 reviewer，再运行 portal check。", err=True)
    sys.exit(1 if errors or refused else 0)


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@main.command()
@CONTENT
@CONFIG
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="网站输出目录（新网站先生成在它旁边的临时目录，最后整体替换）",
)
@click.option(
    "--work",
    type=click.Path(path_type=Path),
    default=Path(".portal"),
    show_default=True,
    help="工作目录（docs 树、审查报告，不公开）",
)
@click.option("--mkdocs", "mkdocs_file", type=click.Path(path_type=Path), default=Path("mkdocs.yml"), show_default=True)
@click.option("--strict", is_flag=True, help="有需要编辑修改的问题时构建失败（CI 使用）")
@DB
@AS_OF
@JOBS
@click.option("--no-wait", "no_wait", is_flag=True, help="另一个构建正在使用同一工作目录时不等待，直接退出（退出码 1）")
@click.option(
    "--sign-key",
    "sign_key",
    type=click.Path(path_type=Path),
    envvar="PORTAL_MANIFEST_KEY",
    default=None,
    help="部署签名私钥（ssh-keygen 格式）；给出时用它签名网站清单 portal-manifest.json（也可用环境变量 PORTAL_MANIFEST_KEY）",
)
@click.option(
    "--manifest-copy",
    "manifest_copy",
    type=click.Path(path_type=Path),
    default=None,
    help="把网站清单（及签名）另存一份到这个目录（网站目录之外，供 portal verify --manifest-from 使用）",
)
@click.option(
    "--no-incremental",
    "no_incremental",
    is_flag=True,
    help="重新生成每一个页面（默认只重新生成输入有变化的页面，其余沿用上一次发布的网站）",
)
def build(
    content: Path,
    config_dir: Path,
    out: Path,
    work: Path,
    mkdocs_file: Path,
    strict: bool,
    db: Path | None,
    as_of: str | None,
    jobs: int | None,
    no_wait: bool,
    sign_key: Path | None,
    manifest_copy: Path | None,
    no_incremental: bool = False,
) -> None:
    """生成门户网站到 site/。审查报告（每个不发布的条目、规则、行号、命中文字）写到 <work>/review.json。

    任何一环无法完成工作（保密审查出错、上级信息数据库或索引号台账无法使用……）时构建失败，
    退出码为 1，已发布的网站保持原样。"""
    from pipeline import publish

    config = _load_config(config_dir)
    reference, source = _reference_date(as_of, config)
    if sign_key is not None and not sign_key.is_file():
        click.echo(f"参数错误：部署签名密钥 {sign_key} 不存在（--sign-key 或 PORTAL_MANIFEST_KEY）", err=True)
        sys.exit(1)
    untouched = f"网站 {out}/ 保持上一次发布的版本，未作任何改动。"
    markdown = _markdown_settings(mkdocs_file, required=True)
    # SIGTERM (systemd, CI cancelling a job) unwinds like Ctrl+C: the staging folder is removed
    # and the lock released; the live site is untouched either way (SIGKILL: the next build cleans up).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    try:
        with build_progress() as progress:
            options = build_mod.BuildOptions(
                content=content,
                config_dir=config_dir,
                out=out,
                work=work,
                mkdocs_file=mkdocs_file,
                strict=strict,
                upstream_db=db,
                as_of=reference,
                progress=progress,
                jobs=jobs,
                wait=not no_wait,
                on_wait=lambda message: click.echo(message, err=True),
                sign_key=sign_key,
                manifest_copy=manifest_copy,
                markdown=markdown,
                incremental=not no_incremental,
            )
            result = build_mod.build(options, config)
    except publish.BuildLocked as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"构建已中断。{untouched}", err=True)
        sys.exit(130)
    except build_mod.BuildFailed as exc:
        for f in exc.findings:
            click.echo("  " + f.text(), err=True)
        click.echo(f"构建失败：{exc}。{untouched}", err=True)
        _log_failure(work, exc)
        sys.exit(1)
    except (MkdocsError, SearchIndexError, publish.PublishError, publication.HistoryUnavailable) as exc:
        click.echo(f"网站生成失败：{exc}。{untouched}", err=True)
        sys.exit(1)
    _report_build(result, out)
    for note in result.publication.notes:
        click.echo(f"说明：{note}", err=True)
    click.echo(f"审查报告：{work / 'review.json'}；{_reference_text(reference, source)}", err=True)


def _log_failure(work: Path, exc: BaseException) -> None:
    """The traceback of an unexpected failure, for developers, in ``<work>/build-error.log``
    (the editor sees the Chinese message only)."""
    if exc.__cause__ is None:
        return
    import traceback

    try:
        work.mkdir(parents=True, exist_ok=True)
        text = "".join(traceback.format_exception(exc.__cause__))
        (work / "build-error.log").write_text(text, encoding="utf-8")
        click.echo(f"（技术细节已写入 {work / 'build-error.log'}）", err=True)
    except OSError:
        pass


def _report_build(result: build_mod.BuildResult, out: Path) -> None:
    pub = result.publication
    for warning in result.mkdocs_warnings:
        click.echo(f"mkdocs 警告：{warning}", err=True)
    if pub.withheld or result.findings:
        click.echo("以下条目未发布或有问题：", err=True)
        for f in result.findings:
            click.echo("  " + f.text(), err=True)
    if pub.withheld:
        click.echo(f"未发布的条目（{len(pub.withheld)} 条）：", err=True)
        for w in pub.withheld:
            rules = "、".join(dict.fromkeys(f.rule for f in w.findings if f.severity == ERROR))
            click.echo(f"  {w.item.path} [{rules}]{'（按声明不发布）' if w.declared else ''}", err=True)
    t = result.timings
    click.echo(
        f"已发布 {len(pub.published)} 条信息（共 {pub.files} 个条目文件，不发布 {pub.files - len(pub.published)} 个），"
        f"生成 {result.docs_files} 个文件到 {out}/（渲染 {t.get('pages_rendered', 0)} 页，沿用上次 {t.get('pages_reused', 0)} 页），"
        f"用时 {t.get('total', 0):.1f} 秒。",
        err=True,
    )


@main.group("upstream")
def upstream_group() -> None:
    """上级信息（商务部、省商务厅）：读入 RSS/Atom，供查重使用。"""


@upstream_group.command("ingest")
@CONFIG
@DB
@click.argument("sources", nargs=-1)
def upstream_ingest(config_dir: Path, db: Path | None, sources: tuple[str, ...]) -> None:
    """读入上级信息源（默认 upstream.yaml 中的全部）。已读入的条目不会重复保存。

    某个信息源读取失败时报告原因并继续其余信息源，已保存的内容不受影响；有失败时退出码为 1。"""
    import sqlite3

    from pipeline import upstream

    config = _load_config(config_dir)
    path = db or upstream.DEFAULT_DB
    try:
        store = upstream.Store(path)
    except sqlite3.Error as exc:
        click.echo(f"无法打开数据库 {path}：{exc}", err=True)
        sys.exit(1)
    try:
        reports = upstream.ingest(store, config, sources)
        total = store.count()
    finally:
        store.close()
    for r in reports:
        if r.error:
            click.echo(f"{r.name}（{r.source}）：读取失败：{r.error}", err=True)
        else:
            note = f"（{r.note}）" if r.note else ""
            click.echo(f"{r.name}（{r.source}）：新增 {r.added} 条，已有 {r.skipped} 条{note}")
    click.echo(f"数据库 {path} 共 {total} 条上级信息。", err=True)
    sys.exit(1 if any(r.error for r in reports) else 0)


@upstream_group.command("stats")
@CONFIG
@DB
def upstream_stats(config_dir: Path, db: Path | None) -> None:
    """各上级信息源已读入的条数与最新日期。"""
    import sqlite3

    from pipeline import upstream

    path = db or upstream.DEFAULT_DB
    if not Path(path).exists():
        click.echo(f"数据库 {path} 不存在，请先运行 portal upstream ingest", err=True)
        sys.exit(1)
    try:
        store = upstream.Store(path, read_only=True)
        stats = store.stats()
        store.close()
    except sqlite3.Error as exc:
        click.echo(f"无法读取数据库 {path}：{exc}", err=True)
        sys.exit(1)
    for s in stats:
        click.echo(f"{s.name}（{s.source}，{s.level}）\t{s.entries} 条\t最新 {(s.newest or '-')[:10]}")
    click.echo(f"合计 {sum(s.entries for s in stats)} 条", err=True)


@main.command()
@CONTENT
@CONFIG
@click.option("--work", type=click.Path(path_type=Path), default=Path(".portal"), show_default=True)
@click.option("--mkdocs", "mkdocs_file", type=click.Path(path_type=Path), default=Path("mkdocs.yml"), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--cms",
    is_flag=True,
    help="同时在 /admin/ 提供网页编辑器（Decap CMS，本地后端直接写 content/；需先 make cms-deps）",
)
def serve(content: Path, config_dir: Path, work: Path, mkdocs_file: Path, host: str, port: int, cms: bool) -> None:
    """本地实时预览：内容、配置或主题改动后自动重建并刷新浏览器。"""
    from pipeline.serve import serve as run_server

    run_server(content, config_dir, work, mkdocs_file, host, port, cms=cms)


@main.command("cms-config")
@CONTENT
@CONFIG
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="写到此文件（例如 admin/config.yml）；默认打印"
)
@click.option(
    "--admin",
    "admin_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="生成完整的编辑器目录（index.html、config.yml、portal-cms.js、decap/），放到内网静态服务器上；不能在网站输出目录里",
)
def cms_config(content: Path, config_dir: Path, out: Path | None, admin_dir: Path | None) -> None:
    """由 site_config/ 生成网页编辑器（Decap CMS）的 config.yml：每个子站一个集合，栏目等为下拉选项。

    git 托管平台取自 portal.yaml 的 cms（github | gitlab | gitea），新信息走 草稿 → 待审 → 可发布 的审核流程。
    """
    from pipeline.cms import config_text

    config = _load_config(config_dir)
    try:
        text = config_text(config, content.as_posix())
    except ConfigError as exc:
        click.echo(f"配置错误：{exc}", err=True)
        sys.exit(1)
    if admin_dir is not None:
        from pipeline.cms import CmsError, write_admin

        try:
            write_admin(config, text, admin_dir)
        except CmsError as exc:
            click.echo(f"无法生成编辑器目录：{exc}", err=True)
            sys.exit(1)
        click.echo(f"已生成编辑器目录 {admin_dir}（{len(config.sites)} 个子站）", err=True)
        return
    if out is None:
        click.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(f"已生成 {out}（{len(config.sites)} 个子站）", err=True)


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


@main.command()
@CONTENT
@CONFIG
@DB
@click.option("--year", type=_Year(), default=None, help="统计年度，默认为统计日所在年度")
@STATS_AS_OF
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def stats(content: Path, config_dir: Path, db: Path | None, year: int | None, as_of, fmt: str) -> None:
    """信息量统计：各子站条数、排名、任务完成率、得分，分渠道条数。"""
    from pipeline import scoring
    from pipeline import stats as stats_mod

    config = _load_config(config_dir)
    pub = _checked_publication(content, config, db)
    day = _as_of(pub, config, as_of)
    figures = stats_mod.year_stats(pub.counted, config, year or day.year, day)
    if fmt == "json":
        click.echo(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        _stats_csv(figures)
    else:
        _stats_table(figures)
    unknown = [f for f in pub.findings if f.rule == scoring.UNKNOWN_ADOPTION]
    for f in unknown:
        click.echo(f"{f.path}:{f.line or ''} 错误 [{f.rule}] {f.message}", err=True)
    if unknown:
        click.echo(f"有 {len(unknown)} 处采用级别不在记分办法中，相关单位得分为空（待核）。", err=True)
        sys.exit(1)


def _stats_csv(figures) -> None:
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["kind", "id", "name", "count", "rank"]
        + [f"q{q}" for q in range(1, 5)]
        + [f"m{m}" for m in range(1, 13)]
        + ["quota", "completion", "score"]
    )
    for g in figures.groups:
        for s in g.sites:
            writer.writerow(
                [
                    g.kind,
                    s.site.id,
                    s.site.name,
                    s.count,
                    s.rank,
                    *s.quarters,
                    *s.months,
                    s.quota.yearly,
                    s.quota.completion,
                    s.score.total,
                ]
            )
        writer.writerow([g.kind, "total", "合计", g.total, None, *g.quarter_totals, *g.month_totals, None, None, None])
    for name, count in figures.channels:
        writer.writerow(["渠道", name, name, count] + [None] * 20)
    writer.writerow(["渠道", "unique_total", "去重合计", figures.unique_total] + [None] * 20)


def _stats_table(figures) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 120))
    console.print(f"{figures.year} 年信息量统计（统计日 {figures.as_of.isoformat()}，相同信息计 1 条）")
    for g in figures.groups:
        table = Table(title=g.kind, title_justify="left")
        for col in (
            "单位",
            "条数",
            "排名",
            "一季度",
            "二季度",
            "三季度",
            "四季度",
            "全年任务",
            "完成率",
            "进度",
            "得分",
        ):
            table.add_column(col, justify="left" if col in ("单位", "进度") else "right", no_wrap=True)
        for s in g.sites:
            completion = f"{s.quota.completion * 100:.1f}%" if s.quota.completion is not None else ""
            score = "待核" if s.score.total is None else str(s.score.total)
            table.add_row(
                s.site.name,
                str(s.count),
                str(s.rank or ""),
                *map(str, s.quarters),
                str(s.quota.yearly or ""),
                completion,
                "落后" if s.quota.behind else "",
                score,
            )
        table.add_row("合计", str(g.total), "", *map(str, g.quarter_totals), "", "", "", "")
        console.print(table)
    channels = Table(title="分渠道", title_justify="left")
    channels.add_column("渠道")
    channels.add_column("条数", justify="right")
    for name, count in figures.channels:
        channels.add_row(name, str(count))
    channels.add_row("合计（去重）", str(figures.unique_total))
    console.print(channels)


@main.command()
@CONTENT
@CONFIG
@DB
@STATS_AS_OF
@click.option(
    "--work",
    type=click.Path(path_type=Path),
    default=Path(".portal"),
    show_default=True,
    help="报告写到这里（health.json、health.md），不进入 site/",
)
def health(content: Path, config_dir: Path, db: Path | None, as_of, work: Path) -> None:
    """栏目更新检查：不更新栏目、空白栏目、首页更新、单项否决。"""
    from pipeline import health as health_mod

    config = _load_config(config_dir)
    pub = _checked_publication(content, config, db)
    report = health_mod.check(pub.published, config, _as_of(pub, config, as_of))
    for line in report.lines():
        click.echo(line)
    try:
        work.mkdir(parents=True, exist_ok=True)
        (work / "health.json").write_text(report.to_json(), encoding="utf-8")
        (work / "health.md").write_text(report.to_markdown(), encoding="utf-8")
    except OSError as exc:
        click.echo(f"无法写入报告到 {work}/：{exc}", err=True)
        sys.exit(1)
    click.echo(f"报告已写入 {work / 'health.md'} 和 {work / 'health.json'}", err=True)


@main.command("number")
@CONTENT
@CONFIG
@DB
def number_cmd(content: Path, config_dir: Path, db: Path | None) -> None:
    """给新发布的信息分配索引号，写入台账 content/index_numbers.yaml（已分配的永不更改）。"""
    from pipeline import numbering

    config = _load_config(config_dir)
    pub = _checked_publication(content, config, db)
    ledger_findings = [f for f in pub.findings if f.rule == numbering.RULE]
    for f in ledger_findings:
        click.echo(f.text(), err=True)
    if any(f.severity == ERROR for f in ledger_findings):
        click.echo(f"索引号台账 {content / numbering.LEDGER_FILE} 有错误，未分配新索引号。", err=True)
        sys.exit(1)
    for key, number in pub.new_index_numbers:
        click.echo(f"{number}\t{key}")
    if pub.index_ledger is not None:
        path = numbering.write_ledger(content, pub.index_ledger)
        click.echo(f"新分配 {len(pub.new_index_numbers)} 个索引号，已写入 {path}。", err=True)
    else:
        click.echo(f"没有需要分配索引号的新信息（已发布 {len(pub.published)} 条）。", err=True)


@main.command("report")
@CONTENT
@CONFIG
@DB
@click.option(
    "--year", type=_Year(), required=True, help="报告年度，例如 2025（数据在 content/disclosure/<年度>.yaml）"
)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option(
    "--strict", is_flag=True, help="有核对错误（勾稽关系、合计、办理结果代码、申请编号、上年结转）时退出码为 1"
)
def report_cmd(content: Path, config_dir: Path, db: Path | None, year: int, fmt: str, strict: bool) -> None:
    """政府信息公开工作年度报告（国办公开办函〔2021〕30号格式）：打印 Markdown 或 JSON，并核对表格。"""
    from pipeline import report as report_mod

    config = _load_config(config_dir)
    pub = _checked_publication(content, config, db)
    rep, findings = report_mod.generate(year, pub.counted, content, config)
    for f in findings:
        click.echo(f.text(), err=True)
    if rep is None:
        click.echo(
            f"无法生成 {year} 年度报告，请检查 {content / report_mod.DISCLOSURE_DIR / f'{year}.yaml'}。", err=True
        )
        sys.exit(1)
    click.echo(report_mod.to_json(rep) if fmt == "json" else report_mod.to_markdown(rep), nl=False)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        click.echo(f"{year} 年度报告有 {len(errors)} 个核对错误。", err=True)
        if strict:
            sys.exit(1)


@main.command("audit")
@click.argument("site", type=click.Path(path_type=Path))
@CONTENT
@CONFIG
@click.option(
    "--work",
    type=click.Path(path_type=Path),
    default=Path(".portal"),
    show_default=True,
    help="工作目录（缓存；查重数据库默认在此）",
)
@DB
@JOBS
def audit_cmd(site: Path, content: Path, config_dir: Path, work: Path, db: Path | None, jobs: int | None) -> None:
    """上线前终审：用保密审查的扫描器检查一个已生成的网站目录 SITE 的每个文件。

    页面文字和属性、RSS/Atom、sitemap、解压后的搜索索引、JSON/CSV 和附件内容中的密级标志、个人信息、敏感词，
    以及未发布条目（按 --content 审查得出）的标题、网址、正文片段和附件。逐个列出“文件：[规则] 命中的文字”；
    有任何命中时退出码为 1。portal build 在替换网站目录之前自动做同样的检查。
    """
    from pipeline import audit

    config = _load_config(config_dir)
    if not site.is_dir():
        click.echo(f"参数错误：{site} 不是目录", err=True)
        sys.exit(1)
    if not content.is_dir():
        click.echo(f"参数错误：内容目录 {content} 不存在（未发布条目从这里审查得出）", err=True)
        sys.exit(1)
    try:
        pub = publication.run(
            content,
            config,
            upstream_db=db or work / "upstream.sqlite",
            cache_dir=work / "cache",
            jobs=jobs,
            upstream_read_only=True,
        )
        failed = infrastructure_failures(pub.findings)
        if failed:
            for f in failed:
                click.echo("  " + f.text(), err=True)
            click.echo("终审无法完成：未发布条目无法确定（见上）。", err=True)
            sys.exit(1)
        report = audit.run_audit(site, pub, config, jobs)
    except audit.AuditError as exc:
        click.echo(f"终审无法完成：{exc}", err=True)
        sys.exit(1)
    for hit in report.hits:
        click.echo(hit.text())
    click.echo(audit.audit_summary(report), err=True)
    sys.exit(1 if report.hits else 0)


@main.command("verify")
@click.argument("target")
@click.option(
    "--allowed-signers",
    type=click.Path(path_type=Path),
    default=None,
    help="允许的部署签名者文件（ssh-keygen 的 allowed_signers 格式）；给出时先验证清单签名，签名不符即失败",
)
@click.option(
    "--manifest-from",
    type=click.Path(path_type=Path),
    default=None,
    help="从这个可信目录读取清单（默认读取被检查网站根目录中的 portal-manifest.json）",
)
@click.option(
    "--restore",
    "trusted",
    type=click.Path(path_type=Path),
    default=None,
    help="发现差异时，从这个可信副本（构建输出）恢复被改动和缺失的文件，并删除多出的文件",
)
@click.option("--sample", type=click.IntRange(min=1), default=None, help="按网址检查时只抽查这么多个文件（默认全部）")
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="按网址检查时的并发请求数")
def verify_cmd(
    target: str,
    allowed_signers: Path | None,
    manifest_from: Path | None,
    trusted: Path | None,
    sample: int | None,
    workers: int,
) -> None:
    """防篡改：对照构建时生成的网站清单（portal-manifest.json）检查已部署的网站。

    TARGET 是网站根目录（可由 cron 定时运行）或网址（http://…，抽查或全部下载比对）。
    列出被改动、缺失和多出的文件；有任何差异时退出码为 1。
    """
    from pipeline import manifest

    try:
        if target.startswith(("http://", "https://")):
            files, signer = manifest.fetch_manifest(target, allowed_signers)
            difference = manifest.compare_url(target, files, sample, workers)
        else:
            root = Path(target)
            if not root.is_dir():
                click.echo(f"参数错误：{root} 不是目录", err=True)
                sys.exit(1)
            files, signer = manifest.load(manifest_from or root, allowed_signers)
            difference = manifest.compare(root, files)
    except manifest.ManifestError as exc:
        click.echo(f"网站清单错误：{exc}", err=True)
        sys.exit(1)
    click.echo(
        f"清单签名有效（签名者 {signer}）。" if signer else "未验证清单签名（加 --allowed-signers 验证）。", err=True
    )
    for label, paths in (("被改动", difference.modified), ("缺失", difference.missing), ("多出", difference.extra)):
        for rel in paths:
            click.echo(f"{label}：{rel}")
    for rel, reason in difference.unreachable:
        click.echo(f"无法取得：{rel}（{reason}）")
    summary = (
        f"检查 {difference.checked} 个文件：被改动 {len(difference.modified)} 个，缺失 {len(difference.missing)} 个，"
        f"多出 {len(difference.extra)} 个"
        + (f"，无法取得 {len(difference.unreachable)} 个" if difference.unreachable else "")
        + "。"
    )
    click.echo(summary, err=True)
    if difference.clean:
        return
    if trusted is not None and not target.startswith(("http://", "https://")):
        try:
            changed = manifest.restore(Path(target), files, trusted, difference)
        except manifest.ManifestError as exc:
            click.echo(f"恢复失败：{exc}", err=True)
            sys.exit(1)
        click.echo(f"已从 {trusted} 恢复 {len(changed)} 处。", err=True)
    sys.exit(1)


# after main: cli_website takes the shared options from this module
from pipeline import cli_website  # noqa: E402

main.add_command(cli_website.website_report_cmd)
main.add_command(cli_website.traffic_group)


if __name__ == "__main__":  # pragma: no cover
    main()
