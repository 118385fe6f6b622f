"""``portal check``, ``portal new`` and ``portal import``: the editor's commands on the content folder.

Registered on the ``portal`` group by :mod:`pipeline.cli`.  Every problem ends in a Chinese
message and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline import publication
from pipeline import upstream as upstream_mod
from pipeline.cli_common import (
    AS_OF,
    CONFIG,
    CONTENT,
    DB,
    JOBS,
    NEW_CONTENT,
    NEW_FILE,
    _display_width,
    _load_config,
    _markdown_settings,
    _print_findings,
    _reference_date,
    _reference_text,
)
from pipeline.confidentiality import DECLARED_RULES
from pipeline.findings import ERROR, INFRASTRUCTURE_RULES, Finding, infrastructure_failures
from pipeline.model import KINDS


@click.command()
@CONTENT
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--staged", is_flag=True, help="只报告 git 暂存区（git add 过）的文件，供 pre-commit 使用")
@click.option(
    "--mkdocs",
    "mkdocs_file",
    type=NEW_FILE,
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


@click.command("new")
@NEW_CONTENT
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


@click.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@NEW_CONTENT
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
        f"{len(outcomes)} 个文件：{verb} {imported} 条，未导入 {refused} 个，跳过 {skipped} 个；"
        f"需要修改的错误 {errors} 个，待审签 {waiting} 条。",
        err=True,
    )
    if dry_run:
        click.echo(
            "试运行（--dry-run）：没有写入任何文件；检查只针对这些新条目本身（不与已有条目比较网址和重复）。", err=True
        )
    elif imported:
        click.echo("下一步：核对条目（删除导入提示注释），请审签人审核并填写 reviewer，再运行 portal check。", err=True)
    sys.exit(1 if errors or refused else 0)
