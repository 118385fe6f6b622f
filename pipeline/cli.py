"""The ``portal`` command line (``portal`` console script and ``python -m pipeline``).

Only the ``cli*`` modules print.  Every problem an editor can cause ends in a Chinese message
and exit status 1, never a traceback: configuration errors, malformed items and mkdocs
failures are caught there and reported with file and field.

This module is the command group only.  The commands live by group, each module under ~400 lines:

- :mod:`pipeline.cli_common`: the shared options (``--content``, ``--config``, ``--db`` …) and helpers;
- :mod:`pipeline.cli_content`: ``check``, ``new``, ``import``;
- :mod:`pipeline.cli_build`: ``build``, ``serve``, ``cms-config``, ``audit``, ``verify``;
- :mod:`pipeline.cli_figures`: ``stats``, ``health``, ``number``, ``report``, ``upstream``;
- :mod:`pipeline.cli_review`: ``approve``, ``codeowners``;
- :mod:`pipeline.cli_website`: ``website-report``, ``traffic``.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from pipeline import cli_build, cli_content, cli_figures, cli_review, cli_website


class UsageMistake(click.ClickException):
    """A command line click refused, said in Chinese (click's own words are English): exit status 2."""

    exit_code = 2

    def __init__(self, message: str, ctx: click.Context | None):
        super().__init__(message)
        self.ctx = ctx

    def show(self, file=None) -> None:
        hint = f"（用法见 {self.ctx.command_path} --help）" if self.ctx is not None else ""
        click.echo(f"参数错误：{self.message}{hint}", err=True)


def _names(param: click.Parameter | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name


def _chinese(exc: click.UsageError) -> click.UsageError:
    """``exc`` in Chinese: the option or argument it names, what it should be (a group called
    without a command keeps click's answer, its help)."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        return exc
    message = exc.format_message()
    ctx = exc.ctx
    if isinstance(exc, click.NoSuchOption):
        text = f"没有选项 “{exc.option_name}”"
        if exc.possibilities:
            text += f"，是否想写 {'、'.join(exc.possibilities)}？"
    elif isinstance(exc, click.MissingParameter):
        kind = "选项" if isinstance(exc.param, click.Option) else "参数"
        text = f"缺少{kind} {_names(exc.param)}"
    elif isinstance(exc, click.BadParameter):
        names, kind = _names(exc.param), getattr(exc.param, "type", None)
        if isinstance(kind, click.Choice):
            text = f"{names} 的值不在可选范围内，可选：{'、'.join(str(c) for c in kind.choices)}"
        elif any("\u4e00" <= c <= "\u9fff" for c in exc.message):  # our own types say it already
            text = f"{names}：{exc.message}"
        elif isinstance(kind, click.types.IntParamType):
            text = f"{names} 的值应当是整数"
        elif isinstance(kind, click.types.FloatParamType):
            text = f"{names} 的值应当是数"
        else:
            text = f"{names} 的值无效（{exc.message}）"
    elif isinstance(exc, click.BadOptionUsage) and "requires an argument" in message:
        text = f"选项 {exc.option_name} 后面缺少它的值"
    elif message.startswith("No such command") and isinstance(ctx and ctx.command, click.Group):
        name = message.split("'")[1] if message.count("'") >= 2 else ""
        text = f"没有命令 “{name}”，可用：{'、'.join(ctx.command.list_commands(ctx))}"
    elif message.startswith("Got unexpected extra argument"):
        text = f"多余的参数：{message[message.find('(') + 1 : message.rfind(')')]}"
    elif message.startswith("Missing command"):
        text = "缺少命令"
    else:
        text = f"命令行有误（{message}）"
    return UsageMistake(text, ctx)


class PortalGroup(click.Group):
    """The ``portal`` group: a command line click refuses is reported in Chinese (:func:`_chinese`)."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _chinese(exc) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _chinese(exc) from None


@click.group(cls=PortalGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="commerce-portal")
def main() -> None:
    """江临市商务局门户：信息条目 → 审查 → 统计 → 静态门户。"""


for command in (
    cli_content.check,
    cli_content.new,
    cli_content.import_,
    cli_build.build,
    cli_build.serve,
    cli_build.cms_config,
    cli_build.audit_cmd,
    cli_build.verify_cmd,
    cli_figures.stats,
    cli_figures.health,
    cli_figures.number_cmd,
    cli_figures.report_cmd,
    cli_figures.upstream_group,
    cli_review.approve_cmd,
    cli_review.codeowners_cmd,
    cli_website.website_report_cmd,
    cli_website.traffic_group,
):
    main.add_command(command)


def run() -> None:
    """The ``portal`` console script: :func:`main`, then, when the command said it may (a finished
    ``portal build``), exit without tearing down the heap — a build leaves hundreds of MB of item
    records, nav and page objects whose one-by-one deallocation takes about a second at 10,000 items
    (what mypy's ``hard_exit`` does too).  Output is flushed first; other commands (``serve`` with its
    threads and child processes) exit normally.  Tests call :data:`main` itself, which never does this."""
    try:
        main()  # standalone mode: always ends in SystemExit
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if not cli_build.HARD_EXIT.is_set():
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    run()
