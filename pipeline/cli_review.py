"""``portal approve`` and ``portal codeowners``: the reviewer's commands (issue 14 §1).

Kept beside :mod:`pipeline.cli` so that the main command file does not grow with every
capability; :mod:`pipeline.cli` registers them on the ``portal`` group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli_common import FOLDER

CONTENT = click.option("--content", "content", type=FOLDER, default=Path("content"), show_default=True, help="内容目录")
CONFIG = click.option(
    "--config",
    "config_dir",
    type=click.Path(path_type=Path),
    default=Path("site_config"),
    show_default=True,
    help="配置目录",
)


@click.command("approve")
@CONTENT
@CONFIG
@click.argument("items", nargs=-1, type=click.Path(path_type=Path))
def approve_cmd(content: Path, config_dir: Path, items: tuple[Path, ...]) -> None:
    """审签：用你的 git 签名钥匙为这些条目做一次签名提交（先审查、后公开）。

    条目没有写 reviewer 时写上你的名字；写的是别人、或你不能审签该子站时拒绝并说明原因。
    """
    from pipeline import approve
    from pipeline.cli_common import _load_config

    config = _load_config(config_dir)
    try:
        done = approve.approve(content, config, list(items))
    except approve.ApproveError as exc:
        click.echo(f"未审签：{exc}", err=True)
        sys.exit(1)
    for rel in done.added_reviewer:
        click.echo(f"已写入 reviewer: {done.reviewer}（{rel}）", err=True)
    click.echo(
        f"{done.reviewer} 已审签 {len(done.items)} 条信息，签名提交 {done.sha[:10]}。推送（git push）后发布。", err=True
    )


@click.command("codeowners")
@CONFIG
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("CODEOWNERS"),
    show_default=True,
    help="写到哪里（GitHub 也认 .github/CODEOWNERS）",
)
@click.option("--content-prefix", default="content/", show_default=True, help="内容目录在仓库中的路径")
def codeowners_cmd(config_dir: Path, out: Path, content_prefix: str) -> None:
    """依据 reviewers.yaml 生成 CODEOWNERS：代码托管平台合并前即要求该子站审签人批准。"""
    from pipeline import approve
    from pipeline.cli_common import _load_config, _write_out

    config = _load_config(config_dir)
    prefix = content_prefix.strip("/") + "/" if content_prefix.strip("/") else ""
    text, missing = approve.codeowners(config, prefix, f"{Path(config_dir).name}/")
    _write_out(out, text)
    click.echo(f"已写入 {out}", err=True)
    for name in missing:
        click.echo(f"提示：审签人 {name} 没有 handle（代码托管平台账号），未列入 CODEOWNERS", err=True)
