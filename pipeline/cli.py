"""The ``portal`` command line: build, check, serve.

Only this module prints.  Every problem an editor can cause ends in a Chinese message and
exit status 1, never a traceback: configuration errors, malformed items and mkdocs
failures are caught here and reported with file and field.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline import build as build_mod
from pipeline import publication
from pipeline.config import Config, ConfigError, load_config
from pipeline.findings import ERROR, Finding
from pipeline.mkdocs_build import MkdocsError

CONTENT = click.option("--content", "content", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help="内容目录（items/、pages/ …）")
CONFIG = click.option("--config", "config_dir", type=click.Path(path_type=Path), default=Path("site_config"), show_default=True, help="配置目录（portal.yaml、sites.yaml …）")


def _load_config(config_dir: Path) -> Config:
    try:
        return load_config(config_dir)
    except ConfigError as exc:
        click.echo(f"配置错误：{exc}", err=True)
        sys.exit(1)


def _print_findings(findings: tuple[Finding, ...] | list[Finding], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
        return
    for f in findings:
        click.echo(f.text(), err=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="commerce-portal")
def main() -> None:
    """江临市商务局门户：信息条目 → 审查 → 统计 → 静态门户。"""


@main.command()
@CONTENT
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(content: Path, config_dir: Path, fmt: str) -> None:
    """检查全部条目，不生成网站。有错误时退出码为 1。"""
    config = _load_config(config_dir)
    pub = publication.run(content, config)
    _print_findings(pub.findings, fmt)
    errors = sum(1 for f in pub.findings if f.severity == ERROR)
    warnings = len(pub.findings) - errors
    if fmt == "text":
        click.echo(f"共 {pub.files} 个条目文件：可发布 {len(pub.published)} 条，不发布 {pub.files - len(pub.published)} 条；错误 {errors} 个，警告 {warnings} 个。", err=True)
    sys.exit(1 if errors else 0)


@main.command()
@CONTENT
@CONFIG
@click.option("--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True, help="网站输出目录")
@click.option("--work", type=click.Path(path_type=Path), default=Path(".portal"), show_default=True, help="工作目录（docs 树、审查报告，不公开）")
@click.option("--mkdocs", "mkdocs_file", type=click.Path(path_type=Path), default=Path("mkdocs.yml"), show_default=True)
@click.option("--strict", is_flag=True, help="有需要编辑修改的问题时构建失败（CI 使用）")
def build(content: Path, config_dir: Path, out: Path, work: Path, mkdocs_file: Path, strict: bool) -> None:
    """生成门户网站到 site/。"""
    config = _load_config(config_dir)
    options = build_mod.BuildOptions(content=content, config_dir=config_dir, out=out, work=work, mkdocs_file=mkdocs_file, strict=strict)
    try:
        result = build_mod.build(options, config)
    except MkdocsError as exc:
        click.echo(f"网站生成失败：{exc}", err=True)
        sys.exit(1)
    _report_build(result, out)
    if strict and result.blocking_errors:
        click.echo(f"严格模式：有 {len(result.blocking_errors)} 个需要编辑修改的错误，构建判为失败。", err=True)
        sys.exit(1)


def _report_build(result: build_mod.BuildResult, out: Path) -> None:
    pub = result.publication
    for warning in result.mkdocs_warnings:
        click.echo(f"mkdocs 警告：{warning}", err=True)
    if pub.withheld or result.findings:
        click.echo("以下条目未发布或有问题：", err=True)
        for f in result.findings:
            click.echo("  " + f.text(), err=True)
    t = result.timings
    click.echo(
        f"已发布 {len(pub.published)} 条信息（共 {pub.files} 个条目文件，不发布 {pub.files - len(pub.published)} 个），"
        f"生成 {result.docs_files} 个文件到 {out}/，用时 {t.get('total', 0):.1f} 秒。",
        err=True,
    )


@main.command()
@CONTENT
@CONFIG
@click.option("--work", type=click.Path(path_type=Path), default=Path(".portal"), show_default=True)
@click.option("--mkdocs", "mkdocs_file", type=click.Path(path_type=Path), default=Path("mkdocs.yml"), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(content: Path, config_dir: Path, work: Path, mkdocs_file: Path, host: str, port: int) -> None:
    """本地实时预览：内容、配置或主题改动后自动重建并刷新浏览器。"""
    from pipeline.serve import serve as run_server

    run_server(content, config_dir, work, mkdocs_file, host, port)


if __name__ == "__main__":  # pragma: no cover
    main()
