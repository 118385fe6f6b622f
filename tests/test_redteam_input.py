"""Red team (bad input): every file and option an editor or operator hands the portal gets a clear
error — Chinese, naming the file and the field, exit status 1 — never a traceback, a hang or a
silent drop, and never the defaults in place of a file that is there but cannot be read."""

from __future__ import annotations

import gzip
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import ROOT, run_portal

from pipeline.config import ConfigError, load_config

ITEM = "items/bureau/2026/2026-11-01-redteam-input.md"


def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", target)
    return target


def chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def refused(result, *words: str) -> str:
    """The command failed the way an editor can act on: exit 1, a Chinese message naming ``words``."""
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out, out
    assert chinese(result.stderr), out
    for word in words:
        assert word in out, (word, out)
    return out


# --- a key written twice: YAML keeps the last one silently ---------------------------------------


TWICE = {  # file: (a line of it, the key that line sets written once more before it)
    "reviewers.yaml": ("  require_signature: false\n", "  require_signature: true\n"),
    "portal.yaml": ("timezone: Asia/Shanghai\n", "timezone: Europe/Paris\n"),
    "confidentiality.yaml": ("sensitive_words_file: sensitive_words.txt\n", "sensitive_words_file: a.txt\n"),
}


@pytest.mark.parametrize("name", sorted(TWICE))
def test_a_key_written_twice_in_a_config_file_is_refused(tmp_path, name):
    line, before = TWICE[name]
    key = line.split(":")[0].strip()
    config = config_copy(tmp_path)
    text = (config / name).read_text(encoding="utf-8")
    assert line in text, f"{name} changed: the probe needs {line!r}"
    (config / name).write_text(text.replace(line, before + line, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert name in str(caught.value) and key in str(caught.value) and "写了两次" in str(caught.value)
    refused(run_portal("check", "--config", str(config)), name, key, "写了两次")


def test_a_key_written_twice_in_front_matter_is_the_editors_error(content_copy):
    head = (
        "---\ntitle: 外贸企业座谈会\ndate: 2026-11-01\nsite: bureau\ncolumn: news\nauthor: 李晓梅\n"
        "classified: true\nkind: 信息\nclassified: false\n---\n"
    )
    body = "江临市商务局召开外贸企业座谈会，研究部署稳外贸工作。" * 8
    (content_copy / ITEM).write_text(head + body, encoding="utf-8")
    result = run_portal("check", "--content", str(content_copy), "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    found = [f for f in json.loads(result.stdout) if f["path"].endswith(Path(ITEM).name)]
    assert [(f["rule"], f.get("key"), f["line"]) for f in found] == [("bad-yaml", "classified", 9)], found
    assert "写了两次（第 7 行和第 9 行）" in found[0]["message"]


def test_a_key_written_twice_in_a_data_file_is_named(content_copy):
    path = content_copy / "disclosure" / "2025.yaml"
    text = path.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line and not line.startswith((" ", "#", "-")))
    path.write_text(text + "\n" + first + "\n", encoding="utf-8")
    out = refused(run_portal("report", "--year", "2025", "--content", str(content_copy)), "2025.yaml")
    assert "写了两次" in out, out


# --- an optional config file that is there but is not a readable file ---------------------------


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _broken_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.parent / "no-such-file.yaml")


def _looping_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path)


def _unreadable(path: Path) -> None:  # EIO on read, even for root (chmod 000 is no test as root)
    path.unlink()
    path.symlink_to("/proc/self/mem")


@pytest.mark.parametrize("damage", [_folder, _broken_link, _looping_link, _unreadable])
@pytest.mark.parametrize(
    "name",
    [
        "reviewers.yaml",
        "confidentiality.yaml",
        "sensitive_words.txt",
        "quotas.yaml",
        "scoring.yaml",
        "health.yaml",
        "upstream.yaml",
        "fees.yaml",
        "website_report.yaml",
        "portal.yaml",
        "sites.yaml",
    ],
)
def test_a_config_file_that_cannot_be_read_is_never_taken_for_no_file(tmp_path, name, damage):
    """reviewers.yaml as a folder used to mean "no reviewers, signatures not required"; the word list
    as a broken link meant "no sensitive words" — the defaults, silently, in place of the bureau's rules."""
    if damage is _unreadable and not Path("/proc/self/mem").exists():
        pytest.skip("no /proc/self/mem")
    config = config_copy(tmp_path)
    damage(config / name)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert name in message and chinese(message), message
    named_but_absent = "不存在" in message and name == "sensitive_words.txt"  # confidentiality.yaml names it
    assert "不是普通文件" in message or "无法读取" in message or named_but_absent, message


def test_an_unreadable_config_file_through_the_cli(tmp_path):
    config = config_copy(tmp_path)
    _folder(config / "reviewers.yaml")
    refused(run_portal("check", "--config", str(config)), "reviewers.yaml", "不是普通文件")
    shutil.rmtree(config / "reviewers.yaml")
    shutil.copy(ROOT / "site_config" / "reviewers.yaml", config / "reviewers.yaml")
    _unreadable(config / "portal.yaml")
    refused(run_portal("check", "--config", str(config)), "portal.yaml", "无法读取")


# --- access logs: anyone on the internet writes them ---------------------------------------------


def _log_lines(n: int) -> bytes:
    from datetime import datetime, timedelta, timezone

    from traffic_logs import line

    start = datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    return "".join(line("203.0.113.9", start + timedelta(minutes=i)) for i in range(n)).encode()


def _ingest_in_child(db: Path, log: Path) -> tuple[subprocess.CompletedProcess, int]:
    """``portal traffic ingest`` in a child of its own; (result, its peak resident memory in KB)."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'pipeline', 'traffic', 'ingest', '--jobs', '1',"
        f" '--traffic-db', {str(db)!r}, {str(log)!r}], capture_output=True, text=True, timeout=300)\n"
        "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr)\n"
        "print('RSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(done.returncode)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=400)
    rss = int(result.stdout.rsplit("RSS ", 1)[1].split()[0])
    return result, rss


def test_a_gzip_bomb_without_newlines_is_one_bad_line_not_gigabytes(tmp_path):
    """512 MB of NUL bytes after a valid line: about 0.5 MB of gzip, read as one "line" of 512 MB
    (2 GB of memory for 1 GB) before lines were read with a bound."""
    log = tmp_path / "access.log.2.gz"
    with gzip.open(log, "wb", compresslevel=9) as f:
        f.write(_log_lines(20))
        block = b"\0" * (1 << 24)
        for _ in range(32):
            f.write(block)
        f.write(b"\n" + _log_lines(20))
    assert log.stat().st_size < 1 << 20
    result, rss = _ingest_in_child(tmp_path / "t.sqlite", log)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "读入 41 行，无法解析 1 行" in result.stdout, result.stdout
    assert rss < 300_000, f"{rss} KB for a {log.stat().st_size}-byte log"


def test_an_over_long_line_in_a_plain_log_is_not_held_whole(tmp_path):
    log = tmp_path / "access.log"
    with open(log, "wb") as f:
        f.write(_log_lines(5) + b"A" * (200 << 20) + b"\n" + _log_lines(5))
    result, rss = _ingest_in_child(tmp_path / "t.sqlite", log)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "读入 11 行，无法解析 1 行" in result.stdout, result.stdout
    assert rss < 300_000, f"{rss} KB"


def test_terminal_escapes_in_a_log_line_are_never_echoed(tmp_path):
    """A bad line is quoted to the operator; a visitor's request line with ESC sequences (set the window
    title, clear the screen, a hyperlink) must arrive as text, not as commands to the terminal."""
    log = tmp_path / "access.log"
    evil = b'203.0.113.9 - - [bad] "GET /\x1b]0;owned\x07\x1b[2J\x9b31m\xe2\x80\xae HTTP/1.1" 200 1 "-" "x"\n'
    log.write_bytes(_log_lines(10) + evil)
    result = run_portal("traffic", "ingest", "--traffic-db", str(tmp_path / "t.sqlite"), str(log))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "无法解析" in result.stderr and "\\x1b]0;owned\\x07\\x1b[2J" in result.stderr, result.stderr
    assert not any(c in result.stderr + result.stdout for c in "\x1b\x07\x9b\u202e")


# --- item files that look filled in but are not ---------------------------------------------------

HEAD = (
    "---\ntitle: 外贸企业座谈会\ndate: 2026-11-01\nsite: bureau\ncolumn: news\nauthor: 李晓梅\nreviewer: 刘志远\n---\n"
)
BODY = "江临市商务局召开外贸企业座谈会，研究部署稳外贸工作，听取企业对政策的意见建议。" * 6

ODD_ITEMS = {  # name: (file text, rule, line, words of the message)
    "zero-width-title": (
        HEAD.replace("外贸企业座谈会", "\u200b\u2060\ufeff\u202e"),
        "schema",
        2,
        ("title", "看不见的字符"),
    ),
    "blank-author": (HEAD.replace("李晓梅", "'\u3164\u200d'"), "schema", 6, ("author", "看不见的字符")),
    "cr-only": ((HEAD + BODY).replace("\n", "\r"), "encoding", 1, ("CR",)),
    "never-closed": (HEAD[: HEAD.rindex("---")] + BODY, "schema", 1, ("没有结束",)),
}


def test_an_item_that_only_looks_filled_in_is_named(content_copy):
    """A title of zero-width and direction characters was published as a blank title; a file with
    CR-only line endings or a front matter that never closes got "应当是键值对" at line 2."""
    folder = content_copy / "items" / "bureau" / "2026"
    for name, (text, *_) in ODD_ITEMS.items():
        (folder / f"2026-11-01-{name}.md").write_text(text if "never" in name else text + BODY, "utf-8", newline="")
    result = run_portal("check", "--content", str(content_copy), "--format", "json")
    assert "Traceback" not in result.stderr and result.returncode == 1, result.stderr
    found = {Path(f["path"]).stem[len("2026-11-01-") :]: f for f in json.loads(result.stdout)}
    for name, (_, rule, line, words) in ODD_ITEMS.items():
        f = found.get(name)
        assert f is not None, f"{name}: no finding"
        assert (f["rule"], f["line"]) == (rule, line) and all(w in f["message"] for w in words), f


# --- the command line: click's own refusals are English ---------------------------------------------

USAGE_MISTAKES = [
    (["new", "--site", "bureau", "--column", "news", "--title", "t", "--kind", "xx"], ["--kind", "简讯、信息、调研"]),
    (["check", "--jobs", "0"], ["--jobs", "不是进程数"]),
    (["check", "--jobs", "-1"], ["--jobs", "不是进程数"]),
    (["build", "--jobs", "100000"], ["--jobs", "不是进程数"]),
    (["check", "--jobs"], ["--jobs", "缺少"]),
    (["check", "--no-such-option"], ["--no-such-option", "没有选项"]),
    (["chek"], ["chek", "check"]),
    (["new", "--title", "t"], ["--site", "缺少选项"]),
    (["import"], ["SOURCES", "缺少参数"]),
    (["serve", "--port", "abc"], ["--port", "整数"]),
    (["serve", "--idle", "-1"], ["--idle", "秒数"]),
    (["serve", "--idle", "nan"], ["--idle", "秒数"]),
    (["serve", "--idle", "inf"], ["--idle", "秒数"]),
    (["stats", "--year", "0"], ["--year", "不是年份"]),
    (["stats", "--as-of", "9999-12-31"], ["--as-of", "1000–9000"]),
    (["traffic", "stats", "--year", "abc"], ["--year", "不是年份"]),
    (["traffic", "nope"], ["nope", "ingest、stats"]),
    (["stats", "extra"], ["多余的参数", "extra"]),
]


@pytest.mark.parametrize(("args", "words"), USAGE_MISTAKES, ids=[" ".join(a) for a, _ in USAGE_MISTAKES])
def test_a_command_line_mistake_is_explained_in_chinese(args, words):
    """`--kind xx` answered "Error: Invalid value for '--kind': 'xx' is not one of …", `--idle -1` and
    `--idle nan` were taken (nan: the complete build never came), a missing option was English."""
    result = run_portal(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("参数错误："), result.stderr
    for english in ("Error:", "Invalid value", "Usage:", "Try '", "Traceback", "No such", "Missing"):
        assert english not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def test_the_preview_server_thread_never_keeps_a_terminated_serve_alive(tmp_path):
    from pipeline.serve import make_server

    server = make_server(tmp_path, "127.0.0.1", 0, lambda: None)
    try:
        assert server.serve_thread.daemon
    finally:
        server.server_close()


# --- what the portal fetches: a server that answers slowly or without end ------------------------


class _Hostile(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.send_response(200)
        if self.path.startswith("/drip"):  # a byte every 0.2 s: each wait is short, the answer endless
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        else:  # /flood: as fast as it goes, for ever
            self.end_headers()
            try:
                block = b"<rss>" * 20000
                while True:
                    self.wfile.write(block)
            except OSError:
                pass


@pytest.fixture()
def hostile_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_dripping_or_endless_answer_is_cut_off(hostile_server, monkeypatch):
    """`urlopen(timeout=20).read()` waited for ever on a byte every few seconds and held an endless
    answer whole: portal upstream ingest (and portal verify URL, against the very server it checks)."""
    from pipeline import feeds, http_get, manifest

    started = time.monotonic()
    with pytest.raises(http_get.TooSlow, match="秒内没有传完"):
        http_get.get(f"{hostile_server}/drip", user_agent="t", timeout=5, limit=1 << 20, total=1.5)
    assert time.monotonic() - started < 5
    with pytest.raises(http_get.TooLarge, match="MB 上限"):
        http_get.get(f"{hostile_server}/flood", user_agent="t", timeout=5, limit=8 << 20, total=60)
    monkeypatch.setattr(feeds, "FETCH_TOTAL", 1.5)
    monkeypatch.setattr(feeds, "FEED_MAX_BYTES", 4 << 20)
    for path, words in (("/drip", "秒内没有传完"), ("/flood", "MB 上限")):
        source = feeds.UpstreamSource("x", "上级", "商务部", f"{hostile_server}{path}.xml")
        with pytest.raises(feeds.FeedError, match=words):
            feeds.fetch(source, ROOT)
    started = time.monotonic()
    listed = {"a.html": {"size": 5000, "sha256": "0" * 64}, "b.html": {"size": 5000, "sha256": "0" * 64}}
    diff = manifest.compare_url(f"{hostile_server}/drip/", listed, timeout=0.5)
    assert time.monotonic() - started < 10 and [r for r, _ in diff.unreachable] == ["a.html", "b.html"], diff
    flood = manifest.compare_url(f"{hostile_server}/flood/", listed, timeout=5)
    assert flood.modified == ("a.html", "b.html"), flood  # longer than the manifest says: changed, and not read on


def test_a_fifo_in_place_of_a_local_feed_does_not_hang_the_build(tmp_path):
    from pipeline import feeds

    fifo = tmp_path / "mofcom.xml"
    os.mkfifo(fifo)
    source = feeds.UpstreamSource("mofcom", "商务部网站", "商务部", str(fifo))
    outcome: list = []

    def read() -> None:
        try:
            outcome.append(feeds.fetch(source, tmp_path))
        except feeds.FeedError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)  # a hang stays in the thread, the test fails
    reader.start()
    reader.join(10)
    assert outcome and isinstance(outcome[0], feeds.FeedError) and "不是普通文件" in str(outcome[0]), outcome


@pytest.mark.parametrize("fifo", ["portal-manifest.json", "portal-manifest.json.sig"])
def test_a_named_pipe_for_the_manifest_does_not_hang_verify(tmp_path, fifo):
    """portal verify is the cron check of a web root an attacker may write: a FIFO in place of the
    manifest (or its signature) blocked it for good, so it never reported anything."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "index.html").write_text("<html><body>江临</body></html>", encoding="utf-8")
    (root / "portal-manifest.json").write_text('{"format": 1, "files": {}}', encoding="utf-8")
    (root / fifo).unlink(missing_ok=True)
    os.mkfifo(root / fifo)
    signers = tmp_path / "allowed_signers"
    signers.write_text("reviewer@example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJhKXc2onVNM/vbYZvR6Wfh3KzcXMjcU\n")
    args = ["verify", str(root)] + (["--allowed-signers", str(signers)] if fifo.endswith(".sig") else [])
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"portal verify hung on a named pipe at {fifo}")
    refused(result, fifo)


def test_an_attachment_outside_files_is_a_dead_link_said_so(content_copy):
    """`attachments: [a.pdf]` (or ../../x) published a link to nothing without a word: only paths under
    files/ were looked up, so nothing was "missing"."""
    listed = "attachments: [a.pdf, '../../../etc/passwd', 'https://www.mofcom.gov.cn/x.pdf']\n"
    (content_copy / ITEM).write_text(HEAD.replace("---\n", "---\n" + listed, 1) + BODY, encoding="utf-8")
    result = run_portal("check", "--content", str(content_copy), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    found = [f for f in json.loads(result.stdout) if f["path"].endswith(Path(ITEM).name)]
    dead = sorted(f["file"] for f in found if f["rule"] == "missing-attachment")
    assert dead == ["../../../etc/passwd", "a.pdf"], found  # the external URL is no file of the site
    assert all("不在 content/files/ 下" in f["message"] for f in found if f["rule"] == "missing-attachment")


@pytest.mark.parametrize("command", ["cms-config", "codeowners"])
@pytest.mark.parametrize("where", ["folder", "full disk"])
def test_an_out_file_that_cannot_be_written_is_said_in_chinese(tmp_path, command, where):
    """`--out` naming a folder (or a full disk) ended in IsADirectoryError / OSError tracebacks."""
    if where == "full disk" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    out = tmp_path if where == "folder" else Path("/dev/full")
    refused(run_portal(command, "--out", str(out)), "无法写入", str(out))


def test_a_missing_content_folder_never_builds_an_empty_portal(tmp_path):
    """`portal build --content /mistyped` loaded no item, built an empty portal, swapped it in over the
    live site and exited 0; check and number said "nothing to do"."""
    live = tmp_path / "site"
    live.mkdir()
    (live / "index.html").write_text("live", encoding="utf-8")
    missing = tmp_path / "no-such-content"
    result = run_portal("build", "--content", str(missing), "--out", str(live), "--work", str(tmp_path / "w"))
    assert result.returncode == 2 and "--content：" in result.stderr, result.stderr
    assert "不存在或不是文件夹" in result.stderr
    assert [p.name for p in live.iterdir()] == ["index.html"] and (live / "index.html").read_text() == "live"
    for command in ("check", "number", "stats"):
        out = run_portal(command, "--content", str(missing))
        assert out.returncode == 2 and "不存在或不是文件夹" in out.stderr and "Traceback" not in out.stderr, out.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["check", "--db", "{fifo}"], "--db"),
        (["check", "--mkdocs", "{fifo}"], "--mkdocs"),
        (["traffic", "stats", "--traffic-db", "{fifo}"], "--traffic-db"),
        (["check", "--content", "{file}"], "--content"),
        (["health", "--work", "{file}"], "--work"),
        (["build", "--work", "{file}", "--out", "{tmp}/site"], "--work"),
    ],
)
def test_a_path_option_of_the_wrong_kind_is_refused_before_any_work(tmp_path, args, option):
    """A named pipe as --db or --mkdocs blocked the command for good; a file as --content or --work
    ended in NotADirectoryError / FileExistsError tracebacks."""
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    filled = [a.format(fifo=tmp_path / "pipe", file=tmp_path / "plain", tmp=tmp_path) for a in args]
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", *filled], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"portal {' '.join(args)} hung")
    assert result.returncode == 2 and result.stderr.startswith(f"参数错误：{option}："), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--title", "\u200b\u200d"], "标题不能为空"),
        (["--title", "座谈会\x1b[2J"], "控制字符 U+001B"),
        (["--title", "座谈会", "--author", "\u3164"], "信息员"),
        (["--title", "座谈会", "--date", "9999-12-31"], "不在 1949–"),
    ],
)
def test_portal_new_never_writes_an_item_portal_check_refuses(content_copy, extra, words):
    """`portal new` wrote an invisible title, an ESC into the file, or items/bureau/9999/ — each a file
    the next portal check refuses (encoding, schema, bad-date)."""
    before = sorted(p for p in content_copy.rglob("*") if p.is_file())
    result = run_portal("new", "--content", str(content_copy), "--site", "bureau", "--column", "news", *extra)
    assert result.returncode == 1 and words in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert sorted(p for p in content_copy.rglob("*") if p.is_file()) == before


def test_a_content_folder_without_items_is_not_built_over_the_live_site(tmp_path):
    """--content naming the wrong folder (site_config/, an empty mount point) built a portal of no
    item and swapped it in: every page of the live site withdrawn at once, exit status 0."""
    live = tmp_path / "site"
    live.mkdir()
    (live / "index.html").write_text("live", encoding="utf-8")
    wrong = tmp_path / "mnt"
    wrong.mkdir()
    result = run_portal("build", "--content", str(wrong), "--out", str(live), "--work", str(tmp_path / "w"))
    refused(result, "items/", "保持上一次发布的版本")
    assert [p.name for p in live.iterdir()] == ["index.html"]
