"""Plain helpers shared by the tests: the project root, a site build, the CLI runner, the browser tools.

One way to share test code: fixtures live in ``conftest.py`` and are never imported (pytest
hands them to the tests that name them); plain functions and constants live here and are
imported by their bare module name, ``from helpers import ROOT, build_site`` — pytest puts
``tests/`` on ``sys.path`` (rootdir-relative "prepend" import mode, no ``__init__.py``), and the
benchmarks in ``bench/`` insert it themselves. Never ``tests.helpers`` or ``conftest``: the same
file imported under two names is two modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import build as build_mod
from pipeline.config import load_config

ROOT = Path(__file__).resolve().parent.parent

# the browser tests: Debian's chromium driven by Playwright (never a downloaded browser build)
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots of every checked page
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class BuiltSite:
    out: Path  # the built site/
    work: Path  # the private work folder (.portal)
    result: build_mod.BuildResult

    def html(self, url: str) -> str:
        """The HTML of a site URL such as ``bureau/`` or ``bureau/2026/x/``."""
        path = self.out / url / "index.html" if not url.endswith(".html") else self.out / url
        return path.read_text(encoding="utf-8")


def build_site(tmp: Path, content: Path = ROOT / "content", config_dir: Path = ROOT / "site_config", **kw) -> BuiltSite:
    options = build_mod.BuildOptions(
        content=content,
        config_dir=config_dir,
        out=tmp / "site",
        work=tmp / "work",
        mkdocs_file=ROOT / "mkdocs.yml",
        **kw,
    )
    result = build_mod.build(options, load_config(config_dir))
    return BuiltSite(options.out, options.work, result)


def run_portal(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (what an editor or CI runs)."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def reproducible(digest: dict[str, str]) -> dict[str, str]:
    """A site's ``{path: sha256}`` without the files that differ between two identical builds.

    Pagefind 1.5 writes its filter maps (and so the names in its entry/meta files) in the order
    of a Rust HashMap; every index chunk and fragment is still byte-identical.
    portal-manifest.json lists the SHA-256 of those files too.
    """
    return {
        k: v
        for k, v in digest.items()
        if not (
            k.startswith("pagefind/filter/")
            or k == "pagefind/pagefind-entry.json"
            or k.endswith(".pf_meta")
            or k == "portal-manifest.json"
        )
    }


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """End a server the test started: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def require(condition: bool, reason: str) -> None:
    """Skip on a developer machine without the tool; fail under CI, which must have it."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def plant(kind: str, root: Path, inner: str, suffix: str, secret: Path) -> bool:
    """Plant in the folder ``root`` what someone with write access to it could (False: ``kind`` is
    none of these): a file (``kind`` "file"), a symlink to ``secret`` and one to the folder above
    it ("symlink"), a FIFO, which blocks whoever opens it ("fifo"), empty folders ("folder") — the
    file-like ones in ``root/inner`` named ``evil``/``leak``/``pipe`` + ``suffix``, the others at the top."""
    if kind == "file":
        (root / inner / f"evil{suffix}").write_bytes(b"<?php system($_GET['c']); ?>")
    elif kind == "symlink":
        (root / inner / f"leak{suffix}").symlink_to(secret)
        (root / "etc").symlink_to(secret.parent)
    elif kind == "fifo":
        os.mkfifo(root / inner / f"pipe{suffix}")
    elif kind == "folder":
        (root / "empty" / "deeper").mkdir(parents=True)
    else:
        return False
    return True
