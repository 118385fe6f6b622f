"""Red team of ``portal serve`` (with and without ``--cms``) as a hostile web page in the editor's
browser would see it: DNS rebinding against the plain preview, the editor framed by another site,
errors of the editor's backend route that the editor page must be able to read."""

from __future__ import annotations

import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

import pytest

import cms_serve
from helpers import ROOT
from pipeline import cms, cms_backend, cms_server, serve
from pipeline.config import load_config


def _call_server(server, path: str, host: str | None, method: str = "GET"):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(server.server_address[1]),
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    if host is not None:
        environ["HTTP_HOST"] = host
    seen = {}
    out = server.serve_request(environ, lambda status, headers: seen.update(status=status, headers=dict(headers)))
    return seen.get("status", ""), b"".join(out or [])


def test_the_plain_preview_answers_only_its_loopback_name(tmp_path):
    """Without ``--cms`` the preview still holds what is not published yet, and
    ``/portal-status.json`` the gate's findings with the text they found (“正文中有密级标志
    “机密””, an ID number …).  A page whose DNS name was rebound to 127.0.0.1 reads both as
    same-origin unless the server looks at Host, as the editor's server does."""
    out = tmp_path / "preview"
    out.mkdir()
    (out / "index.html").write_text("<html><body>未发布的页面</body></html>", encoding="utf-8")
    server = serve.make_server(out, "127.0.0.1", 0, lambda: None)  # the port the system gives
    port = server.server_address[1]
    try:
        server.status = {**server.status, "findings": ["正文中有密级标志 “机密”。"]}
        for path in (serve.STATUS_PATH, "/", "/index.html"):
            for host in (f"attacker.example:{port}", "attacker.example", f"127.0.0.1.attacker.example:{port}", None):
                status, body = _call_server(server, path, host)
                assert status.startswith("403") and "机密".encode() not in body, (path, host, status)
                assert "未发布".encode() not in body
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
            status, body = _call_server(server, serve.STATUS_PATH, host)
            assert status.startswith("200") and "机密" in json.loads(body)["findings"][0], host
    finally:
        server.server_close()


def test_a_preview_shown_on_another_address_is_not_limited_to_loopback_names(tmp_path):
    """``--host 0.0.0.0`` (or a LAN address) shows the preview to the network on purpose: every
    name of the machine is fine there."""
    out = tmp_path / "preview"
    out.mkdir()
    server = serve.make_server(out, "0.0.0.0", cms_serve.free_port(), lambda: None)  # noqa: S104
    try:
        assert _call_server(server, serve.STATUS_PATH, f"preview.lan:{server.server_address[1]}")[0].startswith("200")
    finally:
        server.server_close()


# ------------------------------------------------------------------ /admin/ of portal serve --cms


class _Decap(http.server.BaseHTTPRequestHandler):
    """decap-server on its Unix socket, as far as the route sees it: answers JSON, keeps what came."""

    seen: list = []

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.headers.get("Content-Type"), body))
        answer = json.dumps({"message": "entry persisted"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class _UnixServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_UNIX

    def server_bind(self):
        self.socket.bind(self.server_address)
        self.server_name, self.server_port = "localhost", 0


class _Editor:
    """A started editor as the routes see it: its page, its assets, decap-server's process and socket."""

    def __init__(self, tmp_path: Path, process):
        config = load_config(ROOT / "site_config")
        self.dist = tmp_path / "dist"
        self.dist.mkdir()
        (self.dist / "decap-cms.js").write_text("/* decap */", encoding="utf-8")
        self.origin = "http://127.0.0.1:8000"
        self.index_html = cms.admin_html(config)
        self.config_yml = cms.config_text(config, local=True, proxy_url=self.origin + "/admin/api/v1")
        self.process = process
        self.socket_path = str(tmp_path / "decap.sock")

    def fresh_config(self):
        return self.config_yml


def _admin(editor, rel: str, method: str = "GET", body: bytes = b"", kind: str | None = None):
    environ = {"REQUEST_METHOD": method, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if kind is not None:
        environ["CONTENT_TYPE"] = kind
    seen = {}
    out = cms_server._admin(editor, environ, lambda status, headers: seen.update(status=status, headers=headers), rel)
    return seen["status"], dict(seen["headers"]), b"".join(out)


@pytest.fixture
def running(tmp_path):
    """A live process standing in for decap-server, stopped afterwards."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def test_the_editor_refuses_to_be_framed_by_another_site(tmp_path, running):
    """Clickjacking: a hostile page frames http://127.0.0.1:<port>/admin/ (no login) under a lure and
    has the editor click “发布” or drag the page's text into the body.  Every /admin/ answer tells
    the browser the editor is never framed."""
    editor = _Editor(tmp_path, running)
    for rel in ("", "index.html", "config.yml", "decap/decap-cms.js", *cms.ASSETS, "missing"):
        status, headers, _ = _admin(editor, rel)
        assert headers.get("X-Frame-Options") == "DENY", (rel, status, headers)
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), rel


def test_the_api_route_forwards_json_only_and_says_why_in_json(tmp_path, running):
    """The editor page (Decap's proxy backend) reads every answer of /admin/api/v1 as JSON and
    shows its ``error``: serve's own refusals were text/plain, so the editor showed “Unexpected
    token” instead of why (an attachment too large, decap-server gone).  And a body without a
    Content-Type was forwarded as JSON: only a JSON body (what the page sends; a cross-site form
    or text/plain request cannot send one) goes to decap-server."""
    editor = _Editor(tmp_path, running)
    _Decap.seen = []
    server = _UnixServer(editor.socket_path, _Decap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        info = json.dumps({"action": "info", "params": {"branch": "main"}}).encode()
        status, headers, body = _admin(editor, "api/v1", "POST", info, "application/json; charset=utf-8")
        assert status.startswith("200") and json.loads(body) == {"message": "entry persisted"}
        assert _Decap.seen == [("application/json; charset=utf-8", info)]
        for kind in (None, "", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            status, headers, body = _admin(editor, "api/v1", "POST", info, kind)
            assert status.startswith("415") and "JSON" in json.loads(body)["error"], (kind, status, body)
        status, headers, body = _admin(editor, "api/v1", "POST", b"", "application/json")
        assert status.startswith("413") and "MB" in json.loads(body)["error"]
        status, headers, body = _admin(editor, "api/v1", "GET")
        assert status.startswith("405") and json.loads(body)["error"]
        assert len(_Decap.seen) == 1
    finally:
        server.shutdown()
        server.server_close()
    # the socket gone (decap-server hung up): why, in JSON, at once
    status, headers, body = _admin(editor, "api/v1", "POST", info, "application/json")
    assert status.startswith("502") and "portal serve --cms" in json.loads(body)["error"]


def test_a_dead_decap_server_is_named_on_the_page(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    editor = _Editor(tmp_path, process)
    status, headers, body = _admin(editor, "api/v1", "POST", b"{}", "application/json")
    error = json.loads(body)["error"]
    assert status.startswith("502") and "已退出" in error and "3" in error and "portal serve --cms" in error
    assert headers["Content-Type"].startswith("application/json")


def _persist(path: str) -> dict:
    """decap-server's save of an entry at ``path`` (what the editor's 发布 button posts)."""
    entry = {"slug": "x", "path": path, "raw": "---\ntitle: x\n---\n"}
    options = {"commitMessage": "x", "useWorkflow": False, "status": "draft"}
    return {"action": "persistEntry", "params": {"branch": "main", "entry": entry, "assets": [], "options": options}}


def test_decap_server_stays_inside_content_through_the_route(tmp_path):
    """What the route forwards: decap-server's own path checks (under GIT_REPO_DIRECTORY, symlinks
    resolved) still hold — ``../``, absolute paths and a symlink out of content/ write nothing."""
    if not (cms.CMS_DIR / "node_modules" / "decap-server" / "dist" / "index.js").is_file() or not shutil.which("node"):
        pytest.skip("没有安装网页编辑器（make cms-deps）或 node")
    content = tmp_path / "content"
    (content / "items" / "donghu" / "2026").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (content / "items" / "donghu" / "link").symlink_to(outside)
    editor = cms_server.Editor.start(
        content, ROOT / "site_config", tmp_path / "work", ROOT / "mkdocs.yml", "127.0.0.1", 8000
    )
    try:
        for path in (
            "../outside/x.md",
            "items/../../outside/x.md",
            str(outside / "x.md"),
            "items/donghu/link/x.md",
            "items/donghu/link/../../../../outside/x.md",
        ):
            request = _persist(path)
            body = json.dumps(request).encode()
            status, _, said = _admin(editor, "api/v1", "POST", body, "application/json")
            assert not status.startswith("200") and list(outside.iterdir()) == [], (path, status, said)
        secret = tmp_path / "secret.md"
        secret.write_text("secret", encoding="utf-8")
        for action, params in (
            ("deleteFile", {"path": "../secret.md", "options": {"commitMessage": "x"}}),
            ("getEntry", {"path": "../secret.md"}),
            ("getMediaFile", {"path": str(secret)}),
        ):
            body = json.dumps({"action": action, "params": {"branch": "main", **params}}).encode()
            status, _, said = _admin(editor, "api/v1", "POST", body, "application/json")
            assert secret.is_file() and b"secret" not in said.replace(b"secret.md", b""), (action, status, said)
    finally:
        editor.stop()


_AS_NOBODY = """
import encodings.idna, http.client, json, os, sys  # imported first: this user's files are closed to nobody
os.setgid(65534); os.setuid(65534)  # the socket below is nobody's
port, path, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
answer = connection.getresponse()
print(answer.status, answer.read().decode("utf-8", "replace"))
"""


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to act as another user")
def test_another_local_user_cannot_write_through_the_editor(tmp_path):
    """decap-server sits in a folder only this user can enter, but serve's TCP port is open to every
    user of the machine: another account POSTed to 127.0.0.1:<port>/admin/api/v1 (Host and Origin
    are its to choose) and wrote, read or deleted the editor's content/.  The editor's routes that
    reach content/ answer only a connection of the user running serve (Linux: the peer socket's
    owner in /proc/net/tcp)."""
    if not (cms.CMS_DIR / "node_modules" / "decap-server" / "dist" / "index.js").is_file() or not shutil.which("node"):
        pytest.skip("没有安装网页编辑器（make cms-deps）或 node")
    if not Path("/proc/net/tcp").is_file():
        pytest.skip("no /proc/net/tcp")
    content = tmp_path / "content"
    (content / "items" / "donghu" / "2026").mkdir(parents=True)
    process, base = cms_serve.start(
        ROOT, tmp_path / "serve.log", "--content", str(content), "--work", str(tmp_path / "work"), wait=120
    )
    port = int(base.rstrip("/").rsplit(":", 1)[1])
    planted = "items/donghu/2026/2026-03-16-planted.md"
    persist = _persist(planted)
    try:
        for path, body in (("/admin/api/v1", persist), ("/admin/check", {"collection": "donghu", "data": {}})):
            done = subprocess.run(
                [sys.executable, "-c", _AS_NOBODY, str(port), path, json.dumps(body)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            assert done.stdout.startswith("403"), (path, done.stdout)
        assert not (content / planted).exists()
        own = json.dumps({"action": "info", "params": {"branch": "main"}}).encode()
        request = urllib.request.Request(
            base + "admin/api/v1", data=own, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            assert json.loads(answer.read())["type"] == "local_fs"  # this user's own request still goes through
    finally:
        cms_serve.stop(process)
    assert "Traceback" not in (tmp_path / "serve.log").read_text(encoding="utf-8")


def test_the_editor_starts_under_a_long_temp_folder(tmp_path, monkeypatch):
    """A Unix socket's path holds at most 107 bytes: under a long TMPDIR decap-server died at
    listen() and serve said only “decap-server 启动失败（退出码 1）”."""
    if not (cms.CMS_DIR / "node_modules" / "decap-server" / "dist" / "index.js").is_file() or not shutil.which("node"):
        pytest.skip("没有安装网页编辑器（make cms-deps）或 node")
    long = tmp_path / ("t" * 100)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    editor = cms_server.Editor.start(
        ROOT / "content", ROOT / "site_config", tmp_path / "work", ROOT / "mkdocs.yml", "127.0.0.1", 8000
    )
    try:
        assert editor.process.poll() is None and cms_backend.reachable(editor.socket_path)
        assert len(os.fsencode(editor.socket_path)) <= cms_backend.SOCKET_PATH_MAX
        assert (Path(editor.socket_path).parent.stat().st_mode & 0o777) == 0o700
    finally:
        editor.stop()
    assert not Path(editor.socket_path).parent.exists()
