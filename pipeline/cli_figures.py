"""``portal stats``, ``health``, ``number``, ``report`` and ``upstream``: the figures and
registers read from the checked publication, and the upstream feed store.

Registered on the ``portal`` group by :mod:`pipeline.cli`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.cli_common import (
    CONFIG,
    CONTENT,
    DB,
    NEW_FOLDER,
    STATS_AS_OF,
    _as_of,
    _checked_publication,
    _load_config,
    _Year,
)
from pipeline.findings import ERROR


@click.command()
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
    """``--format csv``: :mod:`pipeline.stats_table`'s columns ``CSV``, raw values, one total row per
    group, then the channels (a pending score is left empty)."""
    import csv

    from pipeline import stats_table

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(stats_table.CSV)
    for g in figures.groups:
        _columns, rows = stats_table.site_table(figures, [g], "合计").pick(stats_table.CSV)
        writer.writerows([None if v == stats_table.PENDING else v for v in row] for row in rows)
    blank = [None] * (len(stats_table.CSV) - 4)
    for name, count in figures.channels:
        writer.writerow(["渠道", name, name, count, *blank])
    writer.writerow(["渠道", "unique_total", "去重合计", figures.unique_total, *blank])


def _stats_table(figures) -> None:
    """``--format table``: :mod:`pipeline.stats_table`'s columns ``TERMINAL``, one table per group."""
    from rich.console import Console
    from rich.table import Table

    from pipeline import stats_table

    console = Console(width=max(Console().width, 120))
    console.print(f"{figures.year} 年信息量统计（统计日 {figures.as_of.isoformat()}，相同信息计 1 条）")
    for g in figures.groups:
        table = Table(title=g.kind, title_justify="left")
        columns, rows = stats_table.site_table(figures, [g], "合计").pick(stats_table.TERMINAL)
        for col in columns:
            table.add_column(col.short, justify="left" if col.fmt == "text" else "right", no_wrap=True)
        for row in rows:  # a yearly quota of 0 reads as none here (unlike the website)
            table.add_row(
                *(stats_table.cell(v or None if c.key == "quota" else v, c.fmt) for c, v in zip(columns, row))
            )
        console.print(table)
    channels = Table(title="分渠道", title_justify="left")
    channels.add_column("渠道")
    channels.add_column("条数", justify="right")
    for name, count in figures.channels:
        channels.add_row(name, str(count))
    channels.add_row("合计（去重）", str(figures.unique_total))
    console.print(channels)


@click.command()
@CONTENT
@CONFIG
@DB
@STATS_AS_OF
@click.option(
    "--work",
    type=NEW_FOLDER,
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


@click.command("number")
@CONTENT
@CONFIG
@DB
def number_cmd(content: Path, config_dir: Path, db: Path | None) -> None:
    """给新发布的信息分配索引号，写入台账 content/index_numbers.yaml（已分配的永不更改）。"""
    from pipeline import numbering

    config = _load_config(config_dir)
    with numbering.ledger_lock(content, on_wait=lambda message: click.echo(message, err=True)):
        _assign_numbers(content, config, db)


def _assign_numbers(content: Path, config, db: Path | None) -> None:
    from pipeline import numbering

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


@click.command("report")
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
    from pipeline import report_data
    from pipeline.render import disclosure_report

    config = _load_config(config_dir)
    pub = _checked_publication(content, config, db)
    rep, findings = report_mod.compute(year, pub.report_data, pub.counted, config)
    for f in findings:
        click.echo(f.text(), err=True)
    if rep is None:
        click.echo(
            f"无法生成 {year} 年度报告，请检查 {content / report_data.DISCLOSURE_DIR / f'{year}.yaml'}。", err=True
        )
        sys.exit(1)
    click.echo(disclosure_report.to_json(rep) if fmt == "json" else disclosure_report.to_markdown(rep), nl=False)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        click.echo(f"{year} 年度报告有 {len(errors)} 个核对错误。", err=True)
        if strict:
            sys.exit(1)


@click.group("upstream")
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
