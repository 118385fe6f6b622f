"""Shared fixtures: the demo portal built once per test session, and a CLI runner.

Tests assert on what users get — HTML under ``site/``, feeds, statistics, reports — so the
demo is built into a temporary folder exactly as ``make site`` builds it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import build as build_mod
from pipeline.config import load_config

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> BuiltSite:
    """The demo bureau, built once for the whole session (read-only for tests)."""
    return build_site(tmp_path_factory.mktemp("demo"))


@pytest.fixture()
def content_copy(tmp_path) -> Path:
    """A private copy of the demo content that a test may break."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


def run_portal(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (what an editor or CI runs)."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
