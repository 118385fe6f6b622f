"""The CLI's progress display for long builds (rich), shown only on a terminal.

:func:`build_progress` yields the ``progress(stage, done, total)`` callback that
:class:`pipeline.build.BuildOptions` takes, or ``None`` when standard error is not a
terminal or ``CI`` is set — then nothing is drawn and logs stay clean.  Only the CLI uses
this module; stages never print.
"""

from __future__ import annotations

import contextlib
import os
import sys

STAGES = {"pipeline": "载入与审查", "docs_tree": "生成 docs 树", "mkdocs": "渲染页面", "pagefind": "建立搜索索引"}


def wanted() -> bool:
    return sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("1", "true", "yes")


@contextlib.contextmanager
def build_progress():
    if not wanted():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                for other in tasks.values():  # the previous stage is finished
                    task = bar.tasks[other]
                    bar.update(other, total=task.total or 1, completed=task.total or 1)
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=None)
            if total:
                bar.update(tasks[stage], completed=done, total=total)

        yield progress
