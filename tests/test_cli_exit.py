"""The ``portal`` script's exit (:func:`pipeline.cli.run`): a finished ``portal build`` leaves without
freeing its heap object by object, so nothing it printed or wrote may be lost on the way out, and
the exit status must still say what happened."""

from __future__ import annotations

import json
import shutil
import sys

from pipeline import cli, cli_build
from helpers import ROOT, run_portal


def test_a_finished_build_exits_zero_with_all_output_and_files(tmp_path):
    done = run_portal("build", "--out", str(tmp_path / "site"), "--work", str(tmp_path / "work"))
    assert done.returncode == 0, done.stderr[-2000:]
    # the last lines the build prints (after the swap) reach the terminal
    assert "已发布" in done.stderr
    assert done.stderr.rstrip().splitlines()[-1].startswith("审查报告：")
    # and what it wrote is complete: the review report and the page record parse
    json.loads((tmp_path / "work" / "review.json").read_text(encoding="utf-8"))
    assert (tmp_path / "site" / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert json.loads((tmp_path / "site" / "portal-manifest.json").read_text(encoding="utf-8"))["files"]


def test_a_failed_build_still_exits_one(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    item = next((content / "items").rglob("*.md"))
    item.write_text("---\ntitle: [未闭合\n---\n正文\n", encoding="utf-8")
    done = run_portal(
        "build", "--strict", "--content", str(content), "--out", str(tmp_path / "site"), "--work", str(tmp_path / "w")
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists()


def test_other_commands_exit_normally(monkeypatch, capsys):
    """Only a command that set ``HARD_EXIT`` skips the interpreter's exit; ``--help`` does not."""
    cli_build.HARD_EXIT.clear()
    monkeypatch.setattr(sys, "argv", ["portal", "--help"])
    exits = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    try:
        cli.run()
    except SystemExit as exc:
        assert exc.code in (0, None)
    assert exits == []
    assert "build" in capsys.readouterr().out


def test_hard_exit_passes_the_status_on(monkeypatch):
    """When a command did set it, the status reaches ``os._exit`` unchanged (0 for success)."""
    monkeypatch.setattr(sys, "argv", ["portal", "--version"])
    exits = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    cli_build.HARD_EXIT.set()
    try:
        cli.run()
    finally:
        cli_build.HARD_EXIT.clear()
    assert exits == [0]
