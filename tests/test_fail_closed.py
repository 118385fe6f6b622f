"""Fail closed and publish atomically (issue 12 §5, §6; the manifest of issue 14 §4 in the build).

Every test starts from a complete published site and breaks one piece of the build the way a
disk, an operator or a bug does: a corrupted upstream database, a broken 索引号 ledger, an
exception inside the gate or a renderer, a second build at the same time, a ``kill -9`` at a
random moment.  What is asserted is what the public would get: exit status 1 with a Chinese
message naming the piece, and ``site/`` byte for byte the previous complete build (or, after
a kill, the new complete build — checked file by file against the manifest it carries).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pipeline import build as build_mod
from pipeline import manifest, publish, upstream
from pipeline.config import load_config
from pipeline.findings import error, warning
from helpers import ROOT, reproducible, run_portal

CONFIG = load_config(ROOT / "site_config")


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    return sorted(
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(out.name + ".new-") or p.name.startswith(out.name + ".old-")
    )


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A complete site built by the real CLI (the 'previously published' one) and its digest."""
    tmp = tmp_path_factory.mktemp("previous")
    done = run_portal("build", "--out", str(tmp / "site"), "--work", str(tmp / "work"))
    assert done.returncode == 0, done.stderr
    return tmp / "site", digest(tmp / "site")


@pytest.fixture()
def live(previous, tmp_path) -> tuple[Path, dict[str, str]]:
    """A private copy of the previous site for one test to fail a build over."""
    site = tmp_path / "site"
    shutil.copytree(previous[0], site)
    return site, previous[1]


def build_over(site: Path, work: Path, *extra: str, content: Path = ROOT / "content"):
    return run_portal("build", "--content", str(content), "--out", str(site), "--work", str(work), *extra)


def assert_failed_untouched(done, site: Path, before: dict[str, str], piece: str) -> None:
    assert done.returncode == 1, done.stderr
    assert piece in done.stderr and "构建失败" in done.stderr and "保持上一次发布的版本" in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(site) == before, "the published site changed although the build failed"
    assert leftovers(site) == []


# --- §5: an unusable upstream database ----------------------------------------------------------


def _real_db(path: Path) -> bytes:
    store = upstream.Store(path)
    upstream.ingest(store, CONFIG, local_only=True)
    store.refresh_fingerprints(CONFIG.upstream)
    store.close()
    return path.read_bytes()


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database" * 100)


def _truncated(path: Path) -> None:
    data = _real_db(path)
    path.write_bytes(data[: len(data) // 2])


def _zeroed_pages(path: Path) -> None:
    data = _real_db(path)
    path.write_bytes(data[:4096] + b"\0" * (len(data) - 8192) + data[-4096:])


def _flipped_header(path: Path) -> None:
    data = _real_db(path)
    path.write_bytes(data[:100] + bytes(b ^ 0xFF for b in data[100:200]) + data[200:])


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as db:  # an SQLite file of something else, with a table of the same name
        db.execute("CREATE TABLE entries (name TEXT, value TEXT)")
        db.execute("INSERT INTO entries VALUES ('a', 'b')")


def _short_signatures(path: Path) -> None:
    _real_db(path)
    with sqlite3.connect(path) as db:  # well-formed SQLite, but fingerprints of the wrong length
        db.execute("UPDATE fingerprints SET signature = x'00010203'")


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "x").write_text("x")


CORRUPTIONS = {
    "garbage": _garbage,
    "truncated": _truncated,
    "zeroed-pages": _zeroed_pages,
    "flipped-header": _flipped_header,
    "foreign-schema": _foreign,
    "short-signatures": _short_signatures,
    "a-folder": _folder,
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupted_upstream_database_fails_the_build_and_keeps_the_site(live, tmp_path, corruption):
    site, before = live
    db = tmp_path / "work" / "upstream.sqlite"
    db.parent.mkdir()
    CORRUPTIONS[corruption](db)
    done = build_over(site, tmp_path / "work")
    assert_failed_untouched(done, site, before, "上级信息查重数据库")
    assert "[upstream-unavailable]" in done.stderr
    # portal check says the same, exits 1, and does not touch the file
    if db.is_file():
        saved = db.read_bytes()
        checked = run_portal("check", "--db", str(db))
        assert (
            checked.returncode == 1
            and "[upstream-unavailable]" in checked.stdout
            and "检查结果不完整" in checked.stderr
        )
        assert db.read_bytes() == saved


def test_a_locked_upstream_database_fails_the_build(live, tmp_path):
    site, before = live
    db = tmp_path / "work" / "upstream.sqlite"
    db.parent.mkdir()
    _real_db(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing it (sqlite waits 5 s, then gives up)
    try:
        done = build_over(site, tmp_path / "work")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_failed_untouched(done, site, before, "上级信息查重数据库")
    assert "database is locked" in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_upstream_database_fails_the_build(live, tmp_path):
    site, before = live
    db = tmp_path / "work" / "upstream.sqlite"
    db.parent.mkdir()
    _real_db(db)
    db.chmod(0)
    try:
        done = build_over(site, tmp_path / "work")
    finally:
        db.chmod(0o644)
    assert_failed_untouched(done, site, before, "上级信息查重数据库")


def test_check_never_writes_the_upstream_database(tmp_path):
    """Read-only: a complete database is read as it is; one that lacks the local snapshot is
    completed in memory (the reposts are still found) — the file keeps every byte and its mtime."""
    for name, make in (("complete", _real_db), ("empty", lambda p: upstream.Store(p).close())):
        db = tmp_path / f"{name}.sqlite"
        make(db)
        os.utime(db, (1_000_000_000, 1_000_000_000))
        saved = db.read_bytes()
        done = run_portal("check", "--db", str(db), "--format", "json")
        assert "upstream-duplicate" in done.stdout, name
        assert db.read_bytes() == saved and db.stat().st_mtime == 1_000_000_000, name
        assert not list(tmp_path.glob(f"{name}.sqlite-*")), name  # no journal left either


@pytest.mark.parametrize(
    "command",
    [("stats",), ("health",), ("number",), ("report", "--year", "2025"), ("website-report", "--year", "2025")],
    ids=lambda c: c[0],
)
def test_reports_refuse_figures_from_an_unusable_database(content_copy, tmp_path, command):
    """Statistics, 索引号 and reports would count the reposts the database should have caught."""
    db = tmp_path / "upstream.sqlite"
    _garbage(db)
    ledger = (content_copy / "index_numbers.yaml").read_bytes()
    work = ("--work", str(tmp_path / "work")) if command[0] == "health" else ()
    done = run_portal(*command, "--content", str(content_copy), "--db", str(db), *work)
    assert done.returncode == 1 and "上级信息查重数据库无法完成工作" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == "" and (content_copy / "index_numbers.yaml").read_bytes() == ledger


def test_a_source_never_ingested_is_named(tmp_path):
    """A remote feed is read only by ``portal upstream ingest``; until then nothing is compared
    with it, and check says so instead of staying silent."""
    config = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config)
    for name in ("mofcom.xml", "province.xml"):  # the demo snapshot, where upstream.yaml expects it
        (tmp_path / "content" / "upstream").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "content" / "upstream" / name, tmp_path / "content" / "upstream" / name)
    text = (config / "upstream.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "sources:\n",
        "sources:\n  - {id: state, name: 国务院网站, level: 国务院, url: 'http://127.0.0.1:9/feed.xml'}\n",
        1,
    )
    (config / "upstream.yaml").write_text(text, encoding="utf-8")
    done = run_portal(
        "check", "--config", str(config), "--content", str(ROOT / "content"), "--db", str(tmp_path / "none.sqlite")
    )
    assert "[upstream-source] 上级信息源 “国务院网站” 在数据库中没有任何条目" in done.stdout, (
        done.stdout[-2000:] + done.stderr
    )
    assert "商务部网站” 在数据库中没有任何条目" not in done.stdout


# --- §5: a broken 索引号 ledger ----------------------------------------------------------------------


def _duplicate_number(ledger: Path) -> None:
    data = yaml.safe_load(ledger.read_text(encoding="utf-8"))
    keys = list(data["items"])
    data["items"][keys[1]]["number"] = data["items"][keys[0]]["number"]
    ledger.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


LEDGER_BREAKS = {
    "bad-yaml": lambda p: p.write_text(p.read_text(encoding="utf-8") + "\n  broken: [unclosed\n", encoding="utf-8"),
    "not-a-mapping": lambda p: p.write_text("- a\n- b\n", encoding="utf-8"),
    "duplicate-number": _duplicate_number,
    "not-utf8": lambda p: p.write_bytes(b"\xff\xfe\x00garbage\x81"),
    "a-folder": lambda p: (p.unlink(), p.mkdir()),
}


@pytest.mark.parametrize("damage", sorted(LEDGER_BREAKS))
def test_broken_ledger_fails_the_build_and_keeps_the_site(live, content_copy, tmp_path, damage):
    site, before = live
    ledger = content_copy / "index_numbers.yaml"
    LEDGER_BREAKS[damage](ledger)
    saved = ledger.read_bytes() if ledger.is_file() else None
    done = build_over(site, tmp_path / "work", content=content_copy)
    assert_failed_untouched(done, site, before, "索引号台账")
    assert "[index-ledger]" in done.stderr
    assert (ledger.read_bytes() if ledger.is_file() else None) == saved  # never rewritten


# --- §5: an exception inside the gate, or anywhere else ----------------------------------------------

# The real CLI in a subprocess, with one function replaced before it starts — what a bug in a
# scanner (or a library it calls) does.  Nothing in the pipeline knows about this.
INJECT = """
import importlib, runpy, sys
owner = importlib.import_module({module!r})
for part in {path!r}[:-1]:
    owner = getattr(owner, part)
original = getattr(owner, {path!r}[-1])
def broken(*args, **kwargs):
    if {condition}:
        raise RuntimeError("injected failure")
    return original(*args, **kwargs)
setattr(owner, {path!r}[-1], broken)
sys.argv = ["portal", *sys.argv[1:]]
runpy.run_module("pipeline", run_name="__main__")
"""


def run_injected(target: str, condition: str, *args: str) -> subprocess.CompletedProcess:
    """``portal ARGS`` with ``target`` (``module:Class.method`` or ``module:function``) raising
    whenever ``condition`` (over ``args``) holds."""
    module, path = target.split(":")
    code = INJECT.format(module=module, path=tuple(path.split(".")), condition=condition)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def _one_item_title() -> str:
    path = sorted((ROOT / "content" / "items" / "bureau").rglob("*.md"))[0]
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["title"]


def test_the_injection_hook_itself_is_harmless():
    done = run_injected("pipeline.scanners:Scanners.scan", "True", "--version")
    assert done.returncode == 0 and "version" in done.stdout, done.stderr


@pytest.mark.parametrize(
    "condition",
    [
        "True",  # every text
        f"args[1] == {_one_item_title()!r}",  # one item's title
        "args[1] == '联系我们'",  # one static page's title
    ],
    ids=["every-text", "one-item", "one-static-page"],
)
def test_an_exception_in_the_gate_fails_the_build(live, tmp_path, condition):
    site, before = live
    done = run_injected(
        "pipeline.scanners:Scanners.scan", condition, "build", "--out", str(site), "--work", str(tmp_path / "work")
    )
    assert_failed_untouched(done, site, before, "保密审查")
    assert "[gate-failure]" in done.stderr and "injected failure" in done.stderr


def test_an_exception_in_a_renderer_fails_the_build_with_the_stage_named(live, tmp_path):
    site, before = live
    done = run_injected(
        "pipeline.render.feeds:render", "True", "build", "--out", str(site), "--work", str(tmp_path / "work")
    )
    assert_failed_untouched(done, site, before, "生成 docs 树")
    assert "RuntimeError: injected failure" in done.stderr
    assert "injected failure" in (tmp_path / "work" / "build-error.log").read_text(
        encoding="utf-8"
    )  # the traceback, for developers


def test_a_failing_publish_check_keeps_the_site(live, tmp_path):
    """The hook of the output audit: a check over the complete new site that finds something
    (or breaks) stops the build before the swap."""
    site, before = live
    seen = []

    def finds(new_site, pub, config):
        seen.append((new_site, (new_site / "index.html").is_file(), (new_site / "pagefind").is_dir()))
        return [error("index.html", "output-leak", "测试：新网站中有不应公开的文字")]

    def breaks(new_site, pub, config):
        raise ValueError("checker bug")

    options = build_mod.BuildOptions(out=site, work=tmp_path / "work", mkdocs_file=ROOT / "mkdocs.yml")
    for check, said in ((finds, "output-leak"), (breaks, "checker bug")):
        with pytest.raises(build_mod.BuildFailed) as failed:
            build_mod.build(options, CONFIG, checks=(check,))
        assert said in str(failed.value) + "".join(f.text() for f in failed.value.findings)
        assert digest(site) == before and leftovers(site) == []
    [(new_site, had_home, had_search)] = seen
    assert new_site != site and had_home and had_search  # run on the complete new site, beside the live one
    # a check that only warns lets the site through, and its warning is reported with the others
    result = build_mod.build(
        options, CONFIG, checks=(lambda new_site, pub, config: [warning("index.html", "output-note", "测试")],)
    )
    assert "output-note" in {f.rule for f in result.findings} and result.swap == "exchange" and digest(site) != before


# --- §6: the swap -------------------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _tree(root: Path, text: str) -> None:
    (root / "a").mkdir(parents=True)
    (root / "index.html").write_text(text)
    (root / "a" / "b.html").write_text(text)


@pytest.mark.parametrize(
    "exchange", [publish._renameat2_exchange, lambda a, b: False], ids=["renameat2", "two-renames"]
)
def test_swap_replaces_the_whole_folder(tmp_path, exchange):
    out = tmp_path / "site"
    _tree(out, "old")
    (out / "only-old.html").write_text("old")
    staging = publish.staging_dir(out)
    _tree(staging, "new")
    how = publish.swap(staging, out, exchange)
    assert how == ("exchange" if exchange is publish._renameat2_exchange else "fallback")
    assert digest(out) == {
        "index.html": hashlib.sha256(b"new").hexdigest(),
        "a/b.html": hashlib.sha256(b"new").hexdigest(),
    }
    assert leftovers(out) == []


def test_swap_through_a_symlinked_out_keeps_the_link(tmp_path):
    real = tmp_path / "releases" / "site"
    _tree(real, "old")
    link = tmp_path / "www"
    link.symlink_to(real)
    staging = publish.staging_dir(link)
    assert staging.parent == real.parent
    _tree(staging, "new")
    publish.swap(staging, link)
    assert link.is_symlink() and (link / "index.html").read_text() == "new"


def test_next_build_recovers_and_cleans_after_a_killed_one(tmp_path):
    out = tmp_path / "site"
    dead = _dead_pid()
    # killed between the two renames of the fallback: no site/, the previous one set aside
    _tree(out.with_name(f"site.old-{dead}"), "previous")
    _tree(out.with_name(f"site.new-{dead}"), "half")
    _tree(out.with_name(f"site.new-{os.getpid()}"), "mine")  # a running build's folder is never removed
    assert publish.recover(out) == out.with_name(f"site.old-{dead}")
    assert (out / "index.html").read_text() == "previous"
    assert publish.clean_stale(out) == (out.with_name(f"site.new-{dead}"),)
    assert leftovers(out) == [f"site.new-{os.getpid()}"]


def _gone(out: Path) -> list[Path]:
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(out.name + ".gone-"))


def _wait_until_gone(paths: list[Path], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while any(p.exists() for p in paths):
        assert time.monotonic() < deadline, [p for p in paths if p.exists()]
        time.sleep(0.05)


def test_the_previous_site_is_removed_after_the_swap_and_never_put_back(tmp_path):
    """The previous site is set aside (``.gone-``) at the swap and removed by a detached process:
    the build does not wait for it, and a ``.gone-`` folder is never a site to restore."""
    out = tmp_path / "site"
    _tree(out, "old")
    (out / "withdrawn.html").write_text("old")
    staging = publish.staging_dir(out)
    _tree(staging, "new")
    how, aside = publish.swap_keep(staging, out)
    assert how == "exchange" and aside is not None and aside.name.startswith("site.gone-")
    assert (out / "index.html").read_text() == "new" and not (out / "withdrawn.html").exists()
    assert (aside / "withdrawn.html").read_text() == "old" and leftovers(out) == []
    # the site folder lost (by hand, a broken deploy step): a set-aside site is never put back
    shutil.rmtree(out)
    assert publish.recover(out) is None and not out.exists()
    publish.remove_later(aside).wait(timeout=60)
    assert _gone(out) == []


def test_a_killed_removal_is_finished_by_the_next_build(tmp_path):
    out = tmp_path / "site"
    _tree(out, "live")
    dead = _dead_pid()
    aside = out.with_name(f"site.gone-{dead}-1")
    for n in range(400):
        (aside / f"d{n % 7}").mkdir(parents=True, exist_ok=True)
        (aside / f"d{n % 7}" / f"{n}.html").write_text("previous")
    remover = publish.remove_later(aside)
    remover.kill()  # killed at once or half way: the folder is partly there
    remover.wait()
    mine = out.with_name(f"site.gone-{os.getpid()}-1")  # a running build's removal is left to it
    _tree(mine, "previous")
    if aside.exists():
        assert aside in publish.clean_stale(out)
    _wait_until_gone([aside])
    assert mine.exists() and (out / "index.html").read_text() == "live"
    shutil.rmtree(mine)


def test_a_build_over_a_site_leaves_no_previous_copy(live, tmp_path):
    site, before = live
    done = build_over(site, tmp_path / "work")
    assert done.returncode == 0, done.stderr
    _wait_until_gone(_gone(site))
    assert leftovers(site) == [] and _gone(site) == []
    files, _ = manifest.load(site, None)
    assert manifest.compare(site, files).clean


def test_sigterm_during_the_render_removes_the_staging_folder(live, tmp_path):
    site, before = live
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", "--out", str(site), "--work", str(tmp_path / "work")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging = site.with_name(f"site.new-{proc.pid}")
    deadline = time.monotonic() + 120
    while not (staging / "index.html").exists():  # mkdocs is writing the new site
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1]
        time.sleep(0.05)
    proc.terminate()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "Traceback" not in err, err
    assert digest(site) == before and leftovers(site) == []
    assert not _lock_is_held(tmp_path / "work")


# --- §6: one build at a time ----------------------------------------------------------------------------


def _lock_is_held(work: Path) -> bool:
    path = work / publish.LOCK_FILE
    if not path.exists():
        return False
    with open(path, "r+") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(fh, fcntl.LOCK_UN)
        return False


def test_a_second_build_waits_or_exits_with_a_message(tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    command = [sys.executable, "-m", "pipeline", "build", "--out", str(site), "--work", str(work)]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _lock_is_held(work):
            assert first.poll() is None and time.monotonic() < deadline, "the first build never took the lock"
            time.sleep(0.05)
        refused = run_portal("build", "--out", str(site), "--work", str(work), "--no-wait")
        assert (
            refused.returncode == 1
            and "另一个构建正在使用工作目录" in refused.stderr
            and f"进程 {first.pid}" in refused.stderr
        )
        assert "Traceback" not in refused.stderr
        second = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, first_err = first.communicate(timeout=600)
        _, second_err = second.communicate(timeout=600)
    finally:
        first.kill()
    assert first.returncode == 0, first_err
    assert second.returncode == 0 and "等待它结束" in second_err, second_err
    assert (site / manifest.NAME).is_file() and leftovers(site) == []
    files, _ = manifest.load(site, None)
    assert manifest.compare(site, files).clean


# --- §6: kill -9 at random moments ----------------------------------------------------------------------


def _content_b(tmp: Path) -> Path:
    """The demo with one published item's title changed: a second, different complete site."""
    content = tmp / "content-b"
    shutil.copytree(ROOT / "content", content)
    item = next(
        p for p in sorted((content / "items" / "bureau").rglob("*.md")) if "reviewer:" in p.read_text(encoding="utf-8")
    )
    text = item.read_text(encoding="utf-8")
    title = yaml.safe_load(text.split("---")[1])["title"]
    item.write_text(text.replace(title, title + "（修订）", 1), encoding="utf-8")
    return content


def _state(site: Path, exact: dict[str, dict[str, str]], complete: dict[str, dict[str, str]]) -> str:
    """Which complete build ``site`` is: the very bytes of one seen before, or a new complete
    build of A or B (every file the one its manifest lists)."""
    now = digest(site)
    for name, seen in exact.items():
        if now == seen:
            return name
    files, _ = manifest.load(site, None)
    assert manifest.compare(site, files).clean, "site/ is not a complete build"
    for name, reference in complete.items():
        if reproducible(now) == reference:
            return name
    raise AssertionError("site/ is neither the previous nor the new build")


def test_kill_9_at_random_moments_leaves_a_complete_site(tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    contents = {"A": ROOT / "content", "B": _content_b(tmp_path)}
    complete = {}
    for name in ("B", "A"):  # reference builds; A ends up in site/
        started = time.monotonic()
        done = build_over(site, work, content=contents[name])
        assert done.returncode == 0, done.stderr
        duration = time.monotonic() - started
        complete[name] = reproducible(digest(site))
    assert complete["A"] != complete["B"]
    exact = {"A": digest(site)}
    current = "A"
    # deterministic moments: seeded fractions of a build's duration, plus three around the swap
    fractions = [random.Random(seed).uniform(0.05, 0.95) for seed in range(5)] + [0.97, 1.0, 1.03]
    outcomes = []
    for fraction in fractions:
        target = "B" if current == "A" else "A"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline",
                "build",
                "--content",
                str(contents[target]),
                "--out",
                str(site),
                "--work",
                str(work),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(duration * fraction)
        os.killpg(proc.pid, signal.SIGKILL)  # the build and every process it started
        proc.wait()
        now = _state(site, exact, complete)
        assert now in (current, target)
        if now != current:
            exact = {now: digest(site)}
        outcomes.append((round(fraction, 2), now == target))
        current = now
    # the next build cleans up after the killed ones and publishes
    done = build_over(site, work, content=contents["A"])
    assert done.returncode == 0, done.stderr
    assert leftovers(site) == [] and _state(site, {}, complete) == "A"
    print("kill moments (fraction of a build, swapped in):", outcomes)
