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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
