"""Red team: ways the early stop of ``portal build`` (pipeline/unchanged.py) stops although the site
it would build differs, or fails open / hangs / crashes on hostile input.

One demo portal is built once, with two things an administrator may legitimately configure:
a local-file upstream (查重) source kept outside the content folder (``upstream.yaml``'s
``file:`` is relative to the project root, not to ``--content``) and an mkdocs hook file
(``hooks:`` in ``mkdocs.yml``, outside the theme folder).  Each test then changes one thing and
asks :func:`pipeline.unchanged.current` whether the next build would stop early — the question
the build itself asks — without running a second build.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import threading

import pytest

from pipeline import build as build_mod
from pipeline import manifest, unchanged, upstream
from pipeline.config import load_config
from incremental_portal import Portal

SNIPPET = "联系电话：{phone}\n"
HOOK = """def on_post_page(output, page, config):
    return output.replace("</body>", "<!-- portal hook {version} --></body>")
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redteam-unchanged")
    portal = Portal(tmp, random.Random(11))
    feeds = tmp / "feeds"  # the upstream snapshot beside the project, not in content/
    feeds.mkdir()
    for xml in (portal.content / "upstream").glob("*.xml"):
        (feeds / xml.name).write_bytes(xml.read_bytes())
    upstream_yaml = portal.config_dir / "upstream.yaml"
    text = upstream_yaml.read_text(encoding="utf-8")
    assert "file: content/upstream/" in text
    upstream_yaml.write_text(text.replace("file: content/upstream/", "file: feeds/"), encoding="utf-8")
    hook = tmp / "hooks" / "portal_hook.py"
    hook.parent.mkdir()
    hook.write_text(HOOK.format(version=1), encoding="utf-8")
    snippets = tmp / "snippets"  # shared text blocks (pymdownx.snippets), kept beside the project
    snippets.mkdir()
    (snippets / "contact.md").write_text(SNIPPET.format(phone="0730-1234567"), encoding="utf-8")
    mkdocs_yml = tmp / "mkdocs.yml"
    text = mkdocs_yml.read_text(encoding="utf-8")
    assert "  - pymdownx.superfences\n" in text
    text = text.replace(
        "  - pymdownx.superfences\n",
        f"  - pymdownx.superfences\n  - pymdownx.snippets:\n      base_path: [{snippets}]\n      check_paths: true\n",
    )
    mkdocs_yml.write_text(text + f"hooks:\n  - {hook}\n", encoding="utf-8")
    item = next(p for p in portal.tokens if p.exists())
    item.write_text(item.read_text(encoding="utf-8") + '\n--8<-- "contact.md"\n', encoding="utf-8")
    out, first = portal.build("inc", incremental=True)
    assert not first.unchanged and first.swap
    assert "portal hook 1" in (out / "index.html").read_text(encoding="utf-8"), "the hook ran"
    page = out / item.relative_to(portal.content / "items").with_suffix("") / "index.html"
    assert "0730-1234567" in page.read_text(encoding="utf-8"), "the snippet is on the item's page"
    _, second = portal.build("inc", incremental=True)  # the first made the upstream store: one more build
    assert not second.unchanged and second.timings["pages_rendered"] == 0
    return portal, out


def options_of(portal: Portal, **changes) -> build_mod.BuildOptions:
    return portal.options(**changes)


def would_stop(portal: Portal) -> bool:
    """Would the next ``portal build`` stop early? (what build.build asks first)"""
    options = options_of(portal)
    config = load_config(portal.config_dir)
    return unchanged.current(options, config, unchanged.inputs_of(options, config).digest) is not None


def test_baseline_the_fixture_stops_early(built):
    portal, _ = built
    assert would_stop(portal)


def _entry(title: str, body: str) -> str:
    return (
        "  <entry>\n"
        f"    <title>{title}</title>\n"
        '    <link rel="alternate" type="text/html" href="https://www.mofcom.gov.cn/xwfb/art/2026/redteam.html"/>\n'
        "    <id>https://www.mofcom.gov.cn/xwfb/art/2026/redteam.html</id>\n"
        "    <published>2026-05-01T10:00:00+08:00</published>\n"
        "    <updated>2026-05-01T10:00:00+08:00</updated>\n"
        f"    <summary>{body}</summary>\n"
        f'    <content type="html">&lt;p&gt;{body}&lt;/p&gt;</content>\n'
        "  </entry>\n"
    )


def test_a_local_upstream_feed_outside_content_is_an_input(built):
    """Was a defect: the feed (upstream.yaml file:, relative to the project root) is read by every build but was
    not digested, so a new upstream entry making a published item a repost (withheld) was ignored."""
    portal, _ = built
    assert would_stop(portal)
    feed = portal.tmp / "feeds" / "mofcom.xml"
    original = feed.read_bytes()
    item = next(p for p in portal.tokens if p.exists())  # one of our published items, reposted upstream
    text = item.read_text(encoding="utf-8").split("\n---\n", 1)[1].strip()
    title = next(line for line in item.read_text(encoding="utf-8").splitlines() if line.startswith("title: "))[7:]
    try:
        feed.write_bytes(original.replace(b"</feed>", _entry(title, text).encode() + b"</feed>"))
        assert not would_stop(portal), "the upstream feed changed: the build must run"
    finally:
        feed.write_bytes(original)


def test_an_mkdocs_hook_outside_the_theme_is_an_input(built):
    """Was a defect: a hook file named in mkdocs.yml (hooks:) outside the theme changes every page but was not
    digested; the build stopped early with pages made by the old hook."""
    portal, _ = built
    assert would_stop(portal)
    hook = portal.tmp / "hooks" / "portal_hook.py"
    try:
        hook.write_text(HOOK.format(version=2), encoding="utf-8")
        assert not would_stop(portal), "the hook changed: the build must run"
    finally:
        hook.write_text(HOOK.format(version=1), encoding="utf-8")


def _digest_in_thread(portal: Portal, seconds: float) -> tuple[bool, list]:
    options = options_of(portal)
    config = load_config(portal.config_dir)
    answer: list = []

    def run():
        try:
            answer.append(unchanged.inputs_of(options, config).digest)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            answer.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), answer


def _release(fifo) -> None:
    """Unblock a reader stuck in open() on ``fifo`` (a writer appears, then leaves)."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass


@pytest.mark.parametrize("where", ["content", "site_config"])
def test_a_fifo_in_the_inputs_does_not_hang_the_digest(built, where):
    """Was a defect: the digest opened a FIFO for reading and waited for a writer for ever (the content walk
    never opens one); `portal build` hung before the build started."""
    portal, _ = built
    folder = portal.content / "items" if where == "content" else portal.config_dir
    fifo = folder / "pipe.md"
    os.mkfifo(fifo)
    try:
        done, answer = _digest_in_thread(portal, 20)
        assert done, "the inputs digest hangs on a FIFO"
        assert isinstance(answer[0], str)
    finally:
        _release(fifo)
        fifo.unlink()


def test_an_unreadable_live_file_runs_the_build_instead_of_crashing(built, monkeypatch):
    """Was a defect: an OSError reading a live file (EACCES, EIO, removed meanwhile) raised out of
    unchanged.current: a traceback instead of a build."""
    portal, out = built
    assert would_stop(portal)
    victim = str(out / "index.html")
    real = manifest._digest

    def digest(path):
        if str(path) == victim:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(manifest, "_digest", digest)  # the tests run as root: chmod 000 would still be readable
    st = os.stat(victim)  # its status no longer the recorded one (a new ctime): the check must read it
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not would_stop(portal)


def test_a_database_another_command_created_during_the_build_is_not_taken_as_read(built, tmp_path):
    """Was a defect: a database missing before the build and created by another command during it (portal
    traffic ingest takes no build lock) was recorded as read; the next build stopped without the figures."""
    portal, _ = built
    options = options_of(portal, work=tmp_path / "work", upstream_db=portal.tmp / "work-inc" / "upstream.sqlite")
    config = load_config(portal.config_dir)
    before = unchanged.inputs_of(options, config)
    traffic = tmp_path / "work" / "traffic.sqlite"
    assert before.databases[str(traffic.resolve())] == b"-"
    traffic.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(traffic) as db:  # `portal traffic ingest` while the build renders
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
    db.close()
    assert unchanged.inputs_of(options, config).digest != before.digest, (
        "the build read no traffic database; the next build (its digest taken now) must run"
    )


def test_git_replace_refs_change_the_digest(built, tmp_path):
    """Was a defect: git replace refs change the history the approval and backdating checks read while HEAD
    stays the same (the digest had rev-parse HEAD only; .git only when content/ is the repository root)."""
    portal, _ = built
    repo = tmp_path / "repo"  # the content folder inside the project's repository, as content/ is here
    (repo / "content" / "items").mkdir(parents=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a"}
    env["GIT_COMMITTER_EMAIL"] = "a@x"

    def git(*args):
        return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env)

    git("init", "-q")
    for n in (1, 2):
        (repo / "content" / "items" / f"{n}.md").write_text(f"x{n}\n", encoding="utf-8")
        git("add", ".")
        git("commit", "-q", "-m", f"c{n}")
    options = options_of(portal, content=repo / "content")
    config = load_config(portal.config_dir)
    first = unchanged.inputs_digest(options, config, today="2026-12-01")
    log_before = git("log", "--format=%H").stdout
    git("replace", "--graft", "HEAD")  # HEAD now looks like a root commit: 1.md "first added" later
    assert git("log", "--format=%H").stdout != log_before
    assert unchanged.inputs_digest(options, config, today="2026-12-01") != first


def test_a_snippet_file_is_an_input(built):
    """Was a defect: the files pymdownx.snippets includes (base_path) are read by the gate and by mkdocs but were
    not digested; a changed snippet (a new phone number, a withdrawn text) stayed online."""
    portal, _ = built
    assert would_stop(portal)
    snippet = portal.tmp / "snippets" / "contact.md"
    try:
        snippet.write_text(SNIPPET.format(phone="0730-7654321"), encoding="utf-8")
        assert not would_stop(portal), "the snippet changed: the build must run"
    finally:
        snippet.write_text(SNIPPET.format(phone="0730-1234567"), encoding="utf-8")


@pytest.mark.parametrize("how", ["environment", "config-file"])
def test_pagefind_settings_are_inputs(built, monkeypatch, tmp_path, how):
    """Was a defect: Pagefind (run with the build's environment and working folder) reads PAGEFIND_* variables
    and pagefind.yml there (PAGEFIND_FORCE_LANGUAGE=en: another index); neither was digested."""
    portal, _ = built
    monkeypatch.chdir(tmp_path)
    assert would_stop(portal)
    if how == "environment":
        monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "en")
    else:
        (tmp_path / "pagefind.yml").write_text("force_language: en\n", encoding="utf-8")
    assert not would_stop(portal), "Pagefind's settings changed: the build must run"


def test_a_linked_theme_folder_is_digested_by_its_files(built, tmp_path):
    """Was a defect: a linked theme folder (theme/partials -> a shared folder) was digested as its link text only;
    mkdocs follows the link, so an edited template there was ignored."""
    portal, _ = built
    theme = tmp_path / "theme"
    shutil.copytree(portal.tmp / "theme", theme)
    shared = tmp_path / "shared-partials"
    (theme / "partials").rename(shared)
    (theme / "partials").symlink_to(shared, target_is_directory=True)
    mkdocs_yml = tmp_path / "mkdocs.yml"
    mkdocs_yml.write_bytes((portal.tmp / "mkdocs.yml").read_bytes())
    options = options_of(portal, mkdocs_file=mkdocs_yml)
    config = load_config(portal.config_dir)
    before = unchanged.inputs_digest(options, config, today="2026-12-01")
    template = sorted(shared.glob("*.html"))[0]
    template.write_text(template.read_text(encoding="utf-8") + "<!-- changed -->\n", encoding="utf-8")
    assert unchanged.inputs_digest(options, config, today="2026-12-01") != before


def test_a_fifo_for_the_live_manifest_does_not_hang(built):
    """Was a defect: a FIFO in place of the live portal-manifest.json (put there by whoever defaced the site) made
    unchanged.current block for ever: the build that would put the site back never started."""
    portal, out = built
    live = out / manifest.NAME
    kept = live.with_name("kept-manifest")
    live.rename(kept)
    os.mkfifo(live)
    options = options_of(portal)
    config = load_config(portal.config_dir)
    digest = unchanged.inputs_of(options, config).digest
    answer: list = []
    thread = threading.Thread(target=lambda: answer.append(unchanged.current(options, config, digest)), daemon=True)
    try:
        thread.start()
        thread.join(20)
        assert not thread.is_alive(), "reading the live manifest hangs on a FIFO"
        assert answer == [None]
    finally:
        _release(live)
        thread.join(5)
        live.unlink()
        kept.rename(live)


def test_a_build_after_a_fifo_manifest_finishes_and_puts_the_site_back(built):
    """Was a defect: with a FIFO in place of the live manifest the build blocked in build._previous_site (reading
    it to reuse pages), so the defaced site was never put back.  Runs one build."""
    portal, out = built
    live = out / manifest.NAME
    kept = live.read_bytes()
    live.unlink()
    os.mkfifo(live)
    answer: list = []

    def run():
        try:
            answer.append(portal.build("inc", incremental=True)[1])
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            answer.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    try:
        thread.start()
        thread.join(150)
        assert not thread.is_alive(), "the build hangs on a FIFO live manifest"
    finally:
        while thread.is_alive():  # let a blocked reader go (it reads nothing) so the lock is released
            _release(live)
            thread.join(1)
    result = answer[0]
    if live.is_fifo():  # the build did not put the site back: leave the fixture as it was
        live.unlink()
        live.write_bytes(kept)
    assert not isinstance(result, BaseException), result
    assert not result.unchanged and live.is_file() and not live.is_fifo()


def test_an_upstream_entry_ingested_during_the_build_is_not_taken_as_read(built, monkeypatch):
    """Was a defect: the store the build made was taken as the build left it.  Now every database keeps the
    digest taken before the build (a store the build made means one more build before the next early stop).
    Last in this file: it runs one build (the store removed, so the build makes it again)."""
    portal, _ = built
    work = portal.tmp / "work-inc"
    (work / "upstream.sqlite").unlink()
    feed = portal.tmp / "feeds" / "mofcom.xml"
    original = feed.read_bytes()
    item = next(p for p in portal.tokens if p.exists())
    text = item.read_text(encoding="utf-8").split("\n---\n", 1)[1].strip()
    real = build_mod._build

    def with_ingest(options, config, checks):
        result = real(options, config, checks)  # the build has read the store; now the ingest job writes it
        feed.write_bytes(original.replace(b"</feed>", _entry("转载测试", text).encode() + b"</feed>"))
        try:
            store = upstream.Store(work / "upstream.sqlite")
            reports = upstream.ingest(store, config, only=["mofcom"])
            store.close()
            assert reports[0].added == 1, reports
        finally:
            feed.write_bytes(original)
        return result

    monkeypatch.setattr(build_mod, "_build", with_ingest)
    _, result = portal.build("inc", incremental=True)
    assert not result.unchanged
    monkeypatch.undo()
    assert not would_stop(portal), "the store holds an entry the build never compared with: the build must run"


def _walked(root, follow):
    """The digests as os.walk lists the files (the reference ``_tree`` keeps to)."""
    files, seen = {}, set()
    for folder, dirs, names in os.walk(root, followlinks=follow):
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        for name in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            link = b"link\0" + os.readlink(path).encode("utf-8", "surrogateescape") if os.path.islink(path) else b""
            files[rel] = link + unchanged._file_digest(path)
    return files


@pytest.mark.parametrize("follow", [False, True])
def test_the_input_tree_is_every_file_os_walk_lists(tmp_path, follow):
    """Links to files and folders, a link loop, a dangling link, a FIFO, an empty file, a big one,
    an unreadable file and folder, names that are not UTF-8: the same digests as os.walk's listing."""
    root = tmp_path / "content"
    (root / "items" / "2026").mkdir(parents=True)
    (root / "items" / "2026" / "a.md").write_text("正文", encoding="utf-8")
    (root / "items" / "empty.md").write_bytes(b"")
    (root / "items" / "big.bin").write_bytes(os.urandom(3 << 20))
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "b.md").write_text("b", encoding="utf-8")
    (root / "items" / "to-folder").symlink_to(root / "elsewhere")
    (root / "items" / "to-file").symlink_to(root / "items" / "2026" / "a.md")
    (root / "items" / "loop").symlink_to(root / "items")
    (root / "items" / "dangling").symlink_to(root / "nowhere")
    os.mkfifo(root / "items" / "fifo")
    os.mkdir(os.path.join(os.fsencode(root), b"\xff\xfe-folder"))
    (root / os.fsdecode(b"\xff\xfe-folder") / os.fsdecode(b"name-\xe9.md")).write_bytes(b"x")
    (root / "closed").mkdir()
    (root / "closed" / "c.md").write_text("c", encoding="utf-8")
    (root / "secret.md").write_text("s", encoding="utf-8")
    os.chmod(root / "secret.md", 0)
    os.chmod(root / "closed", 0)
    try:
        got = unchanged._tree(root, follow)
        assert got == _walked(root, follow)
        assert "items/fifo" in got and "items/loop" in got and ("elsewhere/b.md" in got)
    finally:
        os.chmod(root / "closed", 0o755)
        os.chmod(root / "secret.md", 0o644)
