"""The serve fast path's test setup (pipeline/preview.py): a clean build of a content folder and one
quick save, as ``portal serve`` makes them.  Shared by ``test_serve_fast.py`` and
``test_redteam_incremental.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from helpers import ROOT
from pipeline import build as build_mod
from pipeline import preview
from pipeline.config import load_config

ITEM = "items/bureau/2026/2026-05-12-scrapped-vehicle-recycling.md"  # the item the tests save


def preview_build(content: Path, out: Path, work: Path) -> build_mod.BuildResult:
    options = build_mod.BuildOptions(
        content=content, out=out, work=work, mkdocs_file=ROOT / "mkdocs.yml", as_of=date.today(), jobs=1
    )
    return build_mod.build(options, load_config(ROOT / "site_config"))


def quick_save(state, content: Path, saved: set[str], work: Path, overlay: Path | None = None) -> preview.QuickResult:
    return preview.quick_edit(
        state,
        saved,
        content,
        load_config(ROOT / "site_config"),
        build_mod.markdown_settings(ROOT / "mkdocs.yml"),
        date.today(),
        work / "upstream.sqlite",
        overlay=overlay,
    )
