"""``portal website-report`` and ``portal traffic``: the 政府网站工作年度报表 and the access-log store.

Registered on the main command group by :mod:`pipeline.cli` (kept apart so that module
stays small).  Like every command, problems end in a Chinese message and exit status 1.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from pipeline import publication
from pipeline.cli import CONFIG, CONTENT, DB, _load_config, _Year
from pipeline.findings import ERROR

TRAFFIC_DB = click.option("--traffic-db", "traffic_db", type=click.Path(path_type=Path), default=Path(".portal") / "traffic.sqlite", show_default=True,
                          help="访问日志统计库（portal traffic ingest 写入）")


def traffic_year(path: Path, year: int):
    """The year's totals from the access-log store, None when there is no store or no day of the year."""
    from pipeline import traffic

    return traffic.year_totals(path, year)


@click.command("website-report")
@CONTENT
@CONFIG
@DB
@TRAFFIC_DB
@click.option("--year", type=_Year(), required=True, help="报表年度，例如 2025（数据在 content/website-report/<年度>.yaml）")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True)
def website_report_cmd(content: Path, config_dir: Path, db: Path | None, traffic_db: Path, year: int, fmt: str) -> None:
    """政府网站工作年度报表（国办函〔2018〕12号）：每一行及其来源（配置、门户统计、访问日志、数据文件）。

    缺少的行、填错的值列为错误（退出码 1），报表中显示为“未填报”，不会当作 0。"""
    from pipeline import website_report

    config = _load_config(config_dir)
    pub = publication.run(content, config, upstream_db=db or Path(".portal") / "upstream.sqlite")
    try:
        traffic = traffic_year(traffic_db, year)
    except (sqlite3.Error, OSError) as exc:  # a damaged store must not hide the report: say so, use the data file
        click.echo(f"无法读取访问日志统计库 {traffic_db}：{exc}；访问量按数据文件填报", err=True)
        traffic = None
    rep, findings = website_report.generate(year, pub.counted, content, config, traffic)
    out = {"md": website_report.to_markdown, "json": website_report.to_json, "csv": website_report.to_csv}[fmt](rep)
    click.echo(out, nl=False)
    for f in findings:
        click.echo(f.text(), err=True)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        click.echo(f"{year} 年度网站工作年度报表有 {len(errors)} 个错误（缺少或填错的行），请修改 {content / website_report.DATA_DIR / f'{year}.yaml'}。", err=True)
        sys.exit(1)
