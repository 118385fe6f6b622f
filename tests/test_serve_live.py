"""``portal serve`` live (issue 15 §4), through the real CLI and HTTP: a bad edit shows the gate's
error and keeps the last good preview; a good edit re-renders only that item's pages and tells
the browser which pages changed (the page script reloads only those)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline import serve
from pipeline.findings import error, warning
from helpers import ROOT, stop_process
from provenance_repo import ITEM as REPO_ITEM
from provenance_repo import Repo, item_text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def _served(url: str) -> str:
    """The page as built: without the live-reload script (it carries the preview's build epoch)."""
    return _get(url).split("<script>\n(function(epoch){")[0]


def _wait(predicate, what: str, timeout: float = 600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_saved_file_rules():
    saved = {"items/bureau/2026/a.md"}
    findings = (
        error("items/bureau/2026/a.md", "bad-yaml", "YAML"),
        error("items/bureau/2026/b.md", "schema", "other file"),
        warning("items/bureau/2026/a.md", "future-date", "9999"),
        warning("items/bureau/2026/a.md", "short", "a warning"),
    )
    assert [f.rule for f in serve.saved_findings(findings, saved)] == ["bad-yaml", "future-date", "short"]
    stopped = serve.saved_check(saved)(Path("."), type("Pub", (), {"findings": findings})(), None)
    assert [(f.rule, f.severity) for f in stopped] == [("bad-yaml", "error"), ("future-date", "error")]
    assert serve.page_urls(("bureau/2026/x/index.html", "404.html")) == ["/bureau/2026/x/", "/404.html"]
    assert serve.page_urls(None) == "*"
    assert serve.saved_since({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 1}) == {"b", "c"}


def _start(tmp_path: Path, *options: str):
    """``portal serve`` on a copy of the demo content: (process, base URL, log file, content folder)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    port = _free_port()
    log_file = open(tmp_path / "serve.log", "w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--content", str(content), "--work", str(tmp_path / "work")]
        + ["--port", str(port), *options],
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return proc, f"http://127.0.0.1:{port}", log_file, content


def _stop(proc, log_file) -> None:
    stop_process(proc)
    log_file.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_serve_keeps_last_good_preview_and_reloads_only_the_changed_page(tmp_path):
    proc, base, log_file, content = _start(tmp_path)
    item = content / "items" / "bureau" / "2026" / "2026-03-18-time-honored-brands.md"
    url_path = "/bureau/2026/2026-03-18-time-honored-brands/"
    try:
        page = _wait(lambda: _get(base + url_path), "the first preview")
        assert "portal-overlay" in page and "/portal-status.json" in page
        status = json.loads(_get(base + "/portal-status.json"))
        assert status["error"] is None

        # a bad edit: broken YAML — the error is shown, the last good page is still served
        good = item.read_text(encoding="utf-8")
        item.write_text(good.replace("title: ", "title: [坏的", 1), encoding="utf-8")
        status = _wait(lambda: (s := json.loads(_get(base + "/portal-status.json")))["error"] and s, "the error status")
        assert any("2026-03-18-time-honored-brands.md" in line for line in status["findings"]), status
        assert _served(base + url_path) == page.split("<script>\n(function(epoch){")[0]  # unchanged preview

        # a date of 9999: the same
        item.write_text(good.replace("date: 2026-03-18", "date: 9999-03-18", 1), encoding="utf-8")
        status = _wait(
            lambda: (
                (s := json.loads(_get(base + "/portal-status.json")))["error"]
                and any("9999" in line for line in s["findings"])
                and s
            ),
            "the bad-date status",
        )
        assert _served(base + url_path) == page.split("<script>\n(function(epoch){")[0]

        # a good edit: only this item's page (and the lists that show it) re-rendered and named
        item.write_text(good + "\n补充说明：预览测试 PREVIEWMARK7。\n", encoding="utf-8")
        status = _wait(
            lambda: (s := json.loads(_get(base + "/portal-status.json")))["error"] is None and s["changed"] and s,
            "the good status",
        )
        assert status["changed"] != "*" and url_path in status["changed"], status
        assert len(status["changed"]) < 20, status
        assert "PREVIEWMARK7" in _get(base + url_path)
    finally:
        _stop(proc, log_file)
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "预览构建失败" in log and "预览已更新" in log and "PREVIEWMARK7" not in log
    assert "Traceback" not in log


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_save_while_a_complete_build_runs_is_answered_by_the_fast_path(tmp_path):
    """The complete build runs in a child process holding the build lock; a save meanwhile is shown at
    once from the overlay (nothing written to the preview while the lock is held), and the build's
    preview then replaces the old one whole, with the save in it.  The test holds the build lock
    itself for a while, as a long complete build does, so the save lands while the build waits."""
    proc, base, log_file, content = _start(tmp_path, "--idle", "1")
    work = tmp_path / "work"
    preview_dir = work / "preview"
    item = content / "items" / "bureau" / "2026" / "2026-03-18-time-honored-brands.md"
    url_path = "/bureau/2026/2026-03-18-time-honored-brands/"
    on_disk = preview_dir / url_path.strip("/") / "index.html"
    log_path = tmp_path / "serve.log"
    try:
        _wait(lambda: _get(base + url_path), "the first preview")
        inode = preview_dir.stat().st_ino
        good = item.read_text(encoding="utf-8")
        fd = os.open(work / "build.lock", os.O_RDWR)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)  # as a complete build holds it
            item.write_text(good + "\n补充：OVERLAYMARKA。\n", encoding="utf-8")
            _wait(lambda: "OVERLAYMARKA" in _get(base + url_path), "the first save shown")
            assert "OVERLAYMARKA" not in on_disk.read_text(encoding="utf-8")  # from the overlay

            # nothing saved for 1 s: the complete build starts in its child and waits for the lock
            _wait(lambda: "另一个构建正在使用工作目录" in log_path.read_text(encoding="utf-8"), "the complete build")
            item.write_text(good + "\n补充：OVERLAYMARKB。\n", encoding="utf-8")
            status = _wait(
                lambda: (
                    (s := json.loads(_get(base + "/portal-status.json")))["error"] is None
                    and url_path in s["changed"]
                    and "OVERLAYMARKB" in _get(base + url_path)
                    and s
                ),
                "the save answered while the complete build runs",
                timeout=120,
            )
            assert status["changed"] != "*" and len(status["changed"]) < 20, status
            assert "完整构建进行中" in log_path.read_text(encoding="utf-8")
            assert "OVERLAYMARK" not in on_disk.read_text(encoding="utf-8")
            assert preview_dir.stat().st_ino == inode  # the preview was not touched while the build held the lock
        finally:
            os.close(fd)  # the complete build goes on

        # its preview replaces the old one whole (a new folder), with the save in it; the overlay is emptied
        _wait(
            lambda: preview_dir.stat().st_ino != inode and "OVERLAYMARKB" in on_disk.read_text(encoding="utf-8"),
            "the complete build's preview",
        )
        overlay = work / serve.OVERLAY
        _wait(lambda: not overlay.exists() or not any(overlay.rglob("*.html")), "the overlay emptied")
        assert "OVERLAYMARKB" in _get(base + url_path) and "OVERLAYMARKA" not in _get(base + url_path)
    finally:
        _stop(proc, log_file)
    log = log_path.read_text(encoding="utf-8")
    assert "预览已更新（全站审查与搜索索引）" in log and "Traceback" not in log


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
@pytest.mark.skipif(shutil.which("ssh-keygen") is None or shutil.which("git") is None, reason="需要 git 与 ssh-keygen")
def test_an_edit_without_a_signed_approval_is_never_shown_as_approved(tmp_path):
    """``review.require_signature``: a reviewer signed the item; the editor changes it.  The build
    withholds the changed item (``review-outdated``) until the reviewer signs again; the preview
    keeps the signed version on screen — and the editor is told, on the page and in the terminal,
    that the build will not publish it and the preview is no approval."""
    repo = Repo(tmp_path / "repo")
    item = repo.write(REPO_ITEM, item_text())
    repo.commit("新信息", signer="wang")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = open(tmp_path / "serve.log", "w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--content", str(repo.content), "--config", str(repo.config_dir)]
        + ["--work", str(tmp_path / "work"), "--port", str(port)],
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url_path = "/" + REPO_ITEM[: -len(".md")] + "/"
    try:
        page = _wait(lambda: _get(base + url_path), "the first preview (the signed item)")
        assert "全市外贸企业座谈会召开" in page
        item.write_text(item.read_text(encoding="utf-8") + "\n补充：UNSIGNEDMARK。\n", encoding="utf-8")
        status = _wait(lambda: (s := json.loads(_get(base + "/portal-status.json")))["error"] and s, "the error")
        said = status["error"]
        assert f"items/{REPO_ITEM}" in said and "没有有效的审签签名" in said and "不会发布" in said, said
        assert "并不表示已审签" in said
        assert any("review-outdated" in line for line in status["findings"]), status
        assert "UNSIGNEDMARK" not in _get(base + url_path)
    finally:
        _stop(proc, log_file)
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "没有有效的审签签名" in log and "portal build 不会发布" in log and "Traceback" not in log
