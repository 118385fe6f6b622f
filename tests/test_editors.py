"""Editors' path: ``portal new`` → ``portal check`` (per file, ``--staged``) → ``portal serve``,
and the pre-commit / CI example files that wire ``check --staged`` and ``build --strict`` in."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from pipeline import new_item
from pipeline.config import load_config
from pipeline.load import load_item

from helpers import ROOT, run_portal, stop_process

BODY = "江临市商务局召开外贸企业座谈会，听取企业对稳外贸政策的意见建议。" * 8


def _new(content: Path, *extra: str):
    return run_portal("new", "--content", str(content), "--site", "bureau", "--column", "news", *extra)


def test_new_creates_a_named_item_that_loads(tmp_path):
    content = tmp_path / "content"
    done = _new(content, "--title", "Foreign trade: 稳外贸座谈会", "--author", "李晓梅", "--date", "2026-11-20 09:30")
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path == content / "items/bureau/2026/2026-11-20-foreign-trade.md"
    text = path.read_text(encoding="utf-8")
    assert "# reviewer:" in text and "信息员" in text  # optional keys commented in Chinese
    item = load_item(path, "items/bureau/2026/2026-11-20-foreign-trade.md", load_config(ROOT / "site_config"))
    assert (item.title, item.author, item.site, item.column, item.kind) == (
        "Foreign trade: 稳外贸座谈会",
        "李晓梅",
        "bureau",
        "news",
        "信息",
    )
    assert item.date.isoformat() == "2026-11-20T09:30:00+08:00"
    assert item.reviewer is None  # not published before sign-off


def test_new_refuses_to_overwrite_and_names_bad_input(tmp_path):
    content = tmp_path / "content"
    args = ("--title", "外贸座谈会", "--author", "李晓梅", "--date", "2026-11-20", "--kind", "简讯")
    first = _new(content, *args)
    assert first.returncode == 0
    path = Path(first.stdout.strip())
    assert path.name.startswith("2026-11-20-item-") and "简讯" in path.read_text(encoding="utf-8")
    path.write_text("edited", encoding="utf-8")
    again = _new(content, *args)
    assert again.returncode == 1 and "不会覆盖" in again.stderr and "Traceback" not in again.stderr
    assert path.read_text(encoding="utf-8") == "edited"
    bad = run_portal(
        "new", "--content", str(content), "--site", "donghu", "--column", "news", "--title", "x", "--author", "a"
    )
    assert bad.returncode == 1 and "没有开设栏目" in bad.stderr
    bad_date = _new(content, "--title", "x", "--author", "a", "--date", "2026-13-40")
    assert bad_date.returncode == 1 and "无法识别" in bad_date.stderr


def test_new_takes_author_from_git_config(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.name", "王小燕"], check=True)
    assert new_item.git_author(tmp_path) == "王小燕"
    assert new_item.slug_for("2026年外贸Q1").startswith("2026-q1-")
    assert new_item.slug_for("Cross-border E-commerce 跨境电商") == "cross-border-e-commerce"


def test_check_groups_findings_per_file_with_line_rule_and_fix(content_copy):
    item = content_copy / "items/bureau/2026/2026-11-20-bad.md"
    item.write_text(
        f"---\ntitle: 测试\ndate: 2026-02-30\nsite: bureau\ncolumn: news\nauthor: 李晓梅\n---\n{BODY}\n",
        encoding="utf-8",
    )
    done = run_portal("check", "--content", str(content_copy))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    at = lines.index("items/bureau/2026/2026-11-20-bad.md")
    assert lines[at + 1].startswith("  第 3 行：错误 [bad-date]") and "2026-03-15" in lines[at + 1]
    heads = [line for line in lines if not line.startswith(" ")]
    assert len(set(heads)) == len(heads)  # each file once
    data = json.loads(run_portal("check", "--content", str(content_copy), "--format", "json").stdout)
    assert {"path": "items/bureau/2026/2026-11-20-bad.md", "line": 3, "rule": "bad-date"}.items() <= next(
        d for d in data if d["path"].endswith("-bad.md")
    ).items()


def _git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(ROOT / "content", repo / "content")
    shutil.copytree(ROOT / "site_config", repo / "site_config")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def test_check_staged_reports_only_staged_files(tmp_path):
    repo = _git_repo(tmp_path)
    staged = "content/items/bureau/2026/2026-11-20-staged.md"
    (repo / staged).write_text(
        f"---\ntitle: 测试\ndate: 2026-11-20\nsite: bureau\ncolumn: newz\nauthor: 李晓梅\n---\n{BODY}\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "-C", str(repo), "add", staged], check=True)
    done = run_portal("check", "--staged", "--content", "content", "--config", "site_config", cwd=repo)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0] == "items/bureau/2026/2026-11-20-staged.md"
    assert "unknown-column" in done.stdout
    assert "unreviewed" not in done.stdout  # the demo's unreviewed drafts are not staged
    assert "暂存的 1 个内容文件" in done.stderr

    (repo / staged).write_text(
        "---\ntitle: 测试\ndate: 2026-11-20\nsite: bureau\ncolumn: news\nauthor: 李晓梅\nreviewer: "
        f"王建国\n---\n{BODY}\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "-C", str(repo), "add", staged], check=True)
    ok = run_portal("check", "--staged", cwd=repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == ""


def test_check_staged_outside_git_is_a_clear_error(tmp_path):
    shutil.copytree(ROOT / "site_config", tmp_path / "site_config")
    (tmp_path / "content").mkdir()
    done = run_portal("check", "--staged", cwd=tmp_path)
    assert done.returncode == 1 and "git 仓库" in done.stderr and "Traceback" not in done.stderr


def test_precommit_hook_and_ci_examples_run_the_right_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (
        hooks[0]["id"] == "portal-check"
        and hooks[0]["entry"] == "portal check --staged"
        and hooks[0]["pass_filenames"] is False
    )
    local = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert local["repos"][0]["hooks"][0]["entry"].endswith("portal check --staged")
    gh = yaml.safe_load((ROOT / "ci-examples/github-actions.yml").read_text(encoding="utf-8"))
    steps = gh["jobs"]["build"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "portal build --strict" in runs and "content/index_numbers.yaml" in runs and "git push" in runs
    assert any(s.get("with", {}).get("path") == "site/" for s in steps)
    gl = yaml.safe_load((ROOT / "ci-examples/gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gl["build-site"]
    assert "portal build --strict" in job["script"] and "site/" in job["artifacts"]["paths"]
    assert "content/index_numbers.yaml" in "\n".join(job["script"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(url: str, needle: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = _get(url)
        if page and needle in page:
            return True
        time.sleep(0.3)
    return False


def test_serve_previews_and_rebuilds_on_content_change(tmp_path):
    port = _free_port()
    content_copy = tmp_path / "content"  # one item: every rebuild is quick
    item = content_copy / "items/bureau/2026/2026-11-20-preview.md"
    item.parent.mkdir(parents=True)
    text = (
        "---\ntitle: 预览测试原标题\ndate: 2026-11-20\nsite: bureau\ncolumn: news\nauthor: 李晓梅\nreviewer: "
        f"王建国\n---\n{BODY}\n"
    )
    item.write_text(text, encoding="utf-8")
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "serve",
            "--content",
            str(content_copy),
            "--config",
            str(config_dir),
            "--work",
            str(tmp_path / "work"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/bureau/2026/2026-11-20-preview/"
        assert _wait_for(url, "预览测试原标题", 60), "portal serve did not come up"
        item.write_text(text.replace("预览测试原标题", "预览测试新标题"), encoding="utf-8")
        assert _wait_for(url, "预览测试新标题", 60), "portal serve did not rebuild after a content change"
        assert "预览测试新标题" in (_get(f"http://127.0.0.1:{port}/bureau/news/") or "")
        portal_yaml = config_dir / "portal.yaml"
        portal_yaml.write_text(
            portal_yaml.read_text(encoding="utf-8").replace("name: 江临市商务局", "name: 江临市商务局预览", 1),
            encoding="utf-8",
        )
        assert _wait_for(f"http://127.0.0.1:{port}/", "江临市商务局预览", 60), (
            "portal serve did not rebuild after a config change"
        )
    finally:
        stop_process(proc, 10)
