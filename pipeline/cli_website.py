"""``portal website-report`` and ``portal traffic``: the 政府网站工作年度报表 and the access-log store.

Registered on the main command group by :mod:`pipeline.cli` (kept apart so that module
stays small).  Like every command, problems end in a Chinese message and exit status 1.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from pipeline.cli_common import CONFIG, CONTENT, DB, JOBS, NEW_FILE, _checked_publication, _load_config, _Year
from pipeline.findings import ERROR
from pipeline.report_data import WEBSITE_DIR

TRAFFIC_DB = click.option(
    "--traffic-db",
    "traffic_db",
    type=NEW_FILE,
    default=Path(".portal") / "traffic.sqlite",
    show_default=True,
    help="访问日志统计库（portal traffic ingest 写入）",
)


@click.command("website-report")
@CONTENT
@CONFIG
@DB
@TRAFFIC_DB
@click.option(
    "--year", type=_Year(), required=True, help="报表年度，例如 2025（数据在 content/website-report/<年度>.yaml）"
)
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True)
def website_report_cmd(content: Path, config_dir: Path, db: Path | None, traffic_db: Path, year: int, fmt: str) -> None:
    """政府网站工作年度报表（国办函〔2018〕12号）：每一行及其来源（配置、门户统计、访问日志、数据文件）。

    缺少的行、填错的值列为错误（退出码 1），报表中显示为“未填报”，不会当作 0。"""
    from pipeline import website_report
    from pipeline.render import website_report as layout

    config = _load_config(config_dir)
    pub = _checked_publication(content, config, db)
    traffic, problem = website_report.read_traffic(traffic_db, year)
    if problem is not None:  # a damaged store must not hide the report: say so, use the data file
        click.echo(problem.message, err=True)
    rep, findings = website_report.compute(year, pub.report_data, pub.counted, config, traffic)
    out = {"md": layout.to_markdown, "json": layout.to_json, "csv": layout.to_csv}[fmt](rep)
    click.echo(out, nl=False)
    for f in findings:
        click.echo(f.text(), err=True)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        click.echo(
            f"{year} 年度网站工作年度报表有 {len(errors)} 个错误（缺少或填错的行），"
            f"请修改 {content / WEBSITE_DIR / f'{year}.yaml'}。",
            err=True,
        )
        sys.exit(1)


@click.group("traffic")
def traffic_group() -> None:
    """访问量：读入网站服务器的访问日志（combined 格式），按日统计网页浏览量和独立访客。"""


@traffic_group.command("ingest")
@CONFIG
@TRAFFIC_DB
@JOBS
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
def traffic_ingest(config_dir: Path, traffic_db: Path, jobs: int | None, logs: tuple[Path, ...]) -> None:
    """读入访问日志 LOG…（nginx/Apache combined 格式，可为 .gz，轮转文件顺序不限）。

    已读过的内容不会重复计数；无法解析的行计数并报告，不会中断；
    不是 combined 格式的文件报错（退出码 1），其余文件照常读入。"""
    from pipeline import traffic

    config = _load_config(config_dir)
    try:
        report = traffic.ingest(traffic_db, logs, config.portal.timezone, jobs)
    except (traffic.TrafficError, sqlite3.Error, OSError) as exc:
        click.echo(f"无法读入访问日志：{exc}", err=True)
        sys.exit(1)
    for f in report.files:
        if f.error:
            click.echo(f"{f.path}：错误：{f.error}", err=True)
        elif f.skipped:
            click.echo(f"{f.path}：跳过（{f.skipped}）")
        else:
            note = f"，其中 {f.late} 个请求属于已结算的日期（独立访客无法去重，按新访客计）" if f.late else ""
            click.echo(f"{f.path}：读入 {f.lines} 行，无法解析 {f.bad} 行{note}")
            for line_no, text in f.samples:
                click.echo(f"  第 {line_no} 行无法解析：{text}", err=True)
    click.echo(
        f"统计库 {traffic_db}；本次结算 {report.closed_days} 天（其访客摘要与当日随机盐已删除，只保留人数）。", err=True
    )
    sys.exit(1 if report.errors else 0)


@traffic_group.command("stats")
@TRAFFIC_DB
@click.option("--year", type=_Year(), default=None, help="只看这一年，默认全部")
def traffic_stats(traffic_db: Path, year: int | None) -> None:
    """各月网页浏览量、独立访客（每日独立访客之和）和未计入的请求。"""
    from pipeline import traffic

    if not traffic_db.is_file():
        click.echo(f"统计库 {traffic_db} 不存在，请先运行 portal traffic ingest 日志文件…", err=True)
        sys.exit(1)
    try:
        months = traffic.monthly(traffic_db, year)
        files, lines, bad = traffic.file_summary(traffic_db)
    except sqlite3.Error as exc:
        click.echo(f"无法读取统计库 {traffic_db}：{exc}", err=True)
        sys.exit(1)
    click.echo("月份\t天数\t网页浏览量\t独立访客\t资源文件\t订阅源\t爬虫和监测\t错误(4xx/5xx)\t其他")
    for m in months:
        click.echo(
            f"{m.month}\t{m.days}\t{m.page_views}\t{m.visitors}\t{m.assets}\t{m.feeds}\t{m.bots}\t{m.errors}\t{m.other}"
        )
    totals = [
        sum(getattr(m, k) for m in months)
        for k in ("days", "page_views", "visitors", "assets", "feeds", "bots", "errors", "other")
    ]
    click.echo("合计\t" + "\t".join(str(v) for v in totals))
    click.echo(
        f"已读入 {files} 个日志文件，共 {lines} 行，其中无法解析 {bad} 行。"
        "独立访客为每日独立访客之和（每天单独去重）。",
        err=True,
    )
