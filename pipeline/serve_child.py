"""``portal serve``'s complete builds, each in a child process (issue 15 §4).

A complete preview build (every gate over every item, the docs tree, the pages, Pagefind, the output
audit, the manifest) takes minutes at 10k items.  Run in ``portal serve``'s own process it held the
GIL against the HTTP threads and made every save wait for it; here it runs in a process of its own
(started with ``spawn``: no copy of the server's threads or mkdocs objects; the idle complete
build at ``nice`` 10, so the editor's fast path and the browser come first on a busy machine).  It is the ordinary
:func:`pipeline.build.build`: it holds the build lock on the work folder for the whole build,
renders into a staging folder and swaps the preview in whole, so while it runs the fast path
(:mod:`pipeline.preview`) writes neither the preview nor ``<work>`` and serves its pages from an
overlay folder instead.  The child dies with ``portal serve`` (``PR_SET_PDEATHSIG``) and, when
terminated, leaves the preview as it was (the staging folder is removed by the next build).

:func:`start` returns a :class:`Child`; :meth:`Child.result` is the build's outcome as plain data
(the gated publication included: the server makes its fast-path state from it).  This module does
not print in the parent; the child's messages (waiting for the lock) go to the shared stderr.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path


from pipeline.confidentiality import DECLARED_RULES
from pipeline.findings import ERROR, Finding

# warnings that keep the last good preview when they are about a saved file
BLOCKING_WARNINGS = frozenset({"future-date"})


def saved_findings(findings, saved: set[str]) -> list[Finding]:
    return [f for f in findings if f.path in saved]


def blocking(findings) -> list[Finding]:
    return [
        f for f in findings if (f.severity == ERROR and f.rule not in DECLARED_RULES) or f.rule in BLOCKING_WARNINGS
    ]


def saved_check(saved: set[str]):
    """A publish check: a file saved since the last preview has an error → keep the last good preview."""

    def check(site: Path, pub, config):
        return [replace(f, severity=ERROR) for f in blocking(saved_findings(pub.findings, saved))]

    check.__qualname__ = "预览：保存的文件有错误"
    return check


@dataclass(frozen=True)
class Outcome:
    """A complete build's outcome.  ``error`` empty: the preview was replaced."""

    error: str = ""
    findings: tuple = ()  # the build's findings (failed: those that stopped it)
    publication: object = None
    timings: dict | None = None
    changed: tuple[str, ...] | None = None  # output paths rendered anew or removed; None: all
    engine_config: Path | None = None


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _run(conn, args: dict) -> None:  # pragma: no cover - runs in the child process
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # build()'s finally removes the staging
    _die_with_parent()
    if os.getppid() != args["parent"]:
        return
    try:
        os.nice(args["nice"])
    except OSError:
        pass
    import click

    from pipeline import build as build_mod
    from pipeline.config import ConfigError, load_config
    from pipeline.mkdocs_build import MkdocsError
    from pipeline.publish import PublishError
    from pipeline.search_index import SearchIndexError

    try:
        config = load_config(args["config_dir"])
        options = build_mod.BuildOptions(
            content=args["content"],
            config_dir=args["config_dir"],
            out=args["out"],
            work=args["work"],
            mkdocs_file=args["mkdocs_file"],
            as_of=args["as_of"],
            on_wait=lambda message: click.echo(message, err=True),
        )
        result = build_mod.build(options, config, checks=build_mod.PUBLISH_CHECKS + (saved_check(args["saved"]),))
    except build_mod.BuildFailed as exc:
        conn.send(Outcome(error=str(exc) or "构建失败", findings=tuple(exc.findings)))
        return
    except (ConfigError, MkdocsError, SearchIndexError, PublishError) as exc:
        conn.send(Outcome(error=str(exc) or type(exc).__name__))
        return
    conn.send(
        Outcome(
            findings=tuple(result.findings),
            publication=result.publication,
            timings=dict(result.timings),
            changed=result.changed_pages,
            engine_config=result.engine_config,
        )
    )


class Child:
    """One complete build running in a child process."""

    def __init__(self, process, conn, saved: set[str]) -> None:
        self.process, self.conn, self.saved = process, conn, saved

    def result(self) -> Outcome:
        """Wait for the build; its outcome (a child that died without one: an error)."""
        try:
            outcome = self.conn.recv()
        except (EOFError, OSError):
            outcome = Outcome(error="预览构建进程意外结束")
        finally:
            self.conn.close()
        self.process.join()
        return outcome

    def running(self) -> bool:
        return self.process.is_alive()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(30)


def start(
    content: Path,
    config_dir: Path,
    work: Path,
    mkdocs_file: Path,
    out: Path,
    saved: set[str],
    as_of: date,
    background: bool = False,
) -> Child:
    """Start a complete build of the preview ``out``; ``saved``: the files saved since the last good
    preview (an error in one of them keeps the last good preview, :func:`pipeline.serve.saved_check`).
    ``background``: nobody waits for it (the idle complete build): ``nice`` 10, so the fast path and
    the browser come first."""
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    args = {
        "content": content,
        "config_dir": config_dir,
        "work": work,
        "mkdocs_file": mkdocs_file,
        "out": out,
        "saved": set(saved),
        "as_of": as_of,
        "parent": os.getpid(),
        "nice": 10 if background else 0,
    }
    process = ctx.Process(
        target=_run, args=(send, args), name="portal-serve-build"
    )  # not daemonic: the build forks its renderers
    process.start()
    send.close()
    return Child(process, receive, set(saved))
