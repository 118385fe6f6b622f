"""``portal serve --cms``: the web editor beside the live preview (issue 13 §2, §3).

The preview server (mkdocs' LiveReloadServer) answers ``/admin/…`` itself:

- ``/admin/`` — the editor page, ``/admin/config.yml`` — the local Decap configuration made by
  :func:`pipeline.cms.config_text` from ``site_config/`` at start, ``/admin/portal-cms.js`` —
  the preview template showing the findings, ``/admin/portal-format.js`` (+ ``portal-slug.mjs``,
  ``yaml/…``) — file names by the project's slug rule and a front-matter format without the
  transient fields, ``/admin/decap/…`` — Decap CMS from ``cms/node_modules/decap-cms/dist`` (never a CDN);
- ``POST /admin/check`` — ``{"collection", "path", "slug", "data"}`` of the entry being edited →
  ``{"path", "draft": [findings of portal check on the unsaved entry], "saved": [findings of
  the last preview build for the saved file] | null, "published": bool | null, "build": ""}``.

The local backend is decap-server (``MODE=fs``: writes files, no git) serving the content folder
only (it has no login) on a Unix socket in a folder only this user can enter, never on a TCP
port; the editor page reaches it through ``POST /admin/api/v1`` of this server
(:mod:`pipeline.cms_backend`), which, like every request of this server, is answered only when
its ``Host`` is this server's loopback address and port and a write's ``Origin`` is this same
origin (a page whose DNS name was rebound to 127.0.0.1 is refused); it is started with the
editor, stopped when serve ends, and dies with this process (``PR_SET_PDEATHSIG``) if it is
killed.  Nothing of the editor is ever written into the preview or into ``site/``; no answer of
``/admin/…`` may be framed by another page (clickjacking), and the API route's own refusals are
JSON ``{"error"}`` as decap-server's are (the editor page shows nothing else).
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pipeline import cms_backend
from pipeline.cms import ASSETS, CMS_DIR, admin_html, check_draft, config_text
from pipeline.config import ConfigError, load_config
from pipeline.findings import Finding

MAX_CHECK_BODY = 4 * 1024 * 1024  # an entry posted for checking (text only; uploads go to decap-server)
START_TIMEOUT = 30.0
CONTENT_ROUTES = ("/admin/" + cms_backend.API_PATH, "/admin/check", "/admin/status")  # reach content/


class EditorError(Exception):
    """The editor cannot start; ``str()`` says why and what to do, in Chinese."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Editor:
    content: Path
    config_dir: Path
    work: Path
    mkdocs_file: Path
    origin: str
    dist: Path  # decap-cms/dist
    config_yml: str
    index_html: str
    process: subprocess.Popen | None = None
    backend_url: str = ""  # what the editor page posts to: /admin/api/v1 of its own origin
    socket_path: str = ""  # decap-server's Unix socket
    status: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(
        cls,
        content: Path,
        config_dir: Path,
        work: Path,
        mkdocs_file: Path,
        host: str,
        port: int,
        cms_dir: Path | None = None,
    ) -> "Editor":
        cms_dir = Path(os.environ.get("PORTAL_CMS_DIR") or cms_dir or CMS_DIR)
        modules = cms_dir / "node_modules"
        dist = modules / "decap-cms" / "dist"
        server_js = modules / "decap-server" / "dist" / "index.js"
        if (
            not (dist / "decap-cms.js").is_file()
            or not server_js.is_file()
            or not (modules / "yaml" / "browser" / "dist" / "index.js").is_file()
        ):
            raise EditorError(f"没有安装 Decap CMS（{modules}）。请运行 make cms-deps（需要 npm）")
        node = shutil.which("node") or shutil.which("nodejs")
        if not node:
            raise EditorError(
                "没有 node，无法运行编辑器的本地后端 decap-server。请安装 nodejs（apt-get install -y nodejs）"
            )
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise EditorError(
                "网页编辑器的本地后端不需要登录、可直接改写 content/，只能在本机地址上提供（--host 127.0.0.1），"
                f"不能用 {host}"
            )
        try:
            config = load_config(config_dir)
        except ConfigError as exc:
            raise EditorError(f"配置错误：{exc}") from None
        root = content.resolve()  # decap-server writes only here (see cms.decap_config)
        # the address serve prints (the page may also be opened as localhost or [::1]: _foreign_origin)
        origin = f"http://{'[::1]' if host == '::1' else host}:{port}"
        backend_url = f"/admin/{cms_backend.API_PATH}"  # root-relative: the page's own origin, whichever loopback name
        socket_dir = tempfile.mkdtemp(prefix="portal-decap-")  # mode 0700: this user only
        socket_path = os.path.join(socket_dir, "decap.sock")
        if len(os.fsencode(socket_path)) > cms_backend.SOCKET_PATH_MAX and os.path.isdir("/tmp"):
            os.rmdir(socket_dir)  # a long TMPDIR: decap-server could not listen there
            socket_dir = tempfile.mkdtemp(prefix="portal-decap-", dir="/tmp")
            socket_path = os.path.join(socket_dir, "decap.sock")
        editor = cls(
            content=content,
            config_dir=config_dir,
            work=work,
            mkdocs_file=mkdocs_file,
            origin=origin,
            dist=dist,
            config_yml=config_text(config, local=True, proxy_url=backend_url),
            index_html=admin_html(config),
            backend_url=backend_url,
            socket_path=socket_path,
        )
        env = {
            **os.environ,
            "PORTAL_DECAP_SOCKET": socket_path,  # cms/portal-listen-unix.cjs: no TCP port at all
            "PORT": "0",
            "MODE": "fs",
            "GIT_REPO_DIRECTORY": str(root),
            "ORIGIN": origin,
            "LOG_LEVEL": "warn",
        }
        editor.process = subprocess.Popen(
            [node, "--require", str(cms_backend.PRELOAD), str(server_js)],
            cwd=str(work if work.is_dir() else root),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sys.stderr,
            stderr=sys.stderr,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if editor.process.poll() is not None:
                code = editor.process.returncode
                editor.stop()
                raise EditorError(f"decap-server 启动失败（退出码 {code}）")
            if cms_backend.reachable(socket_path):
                break
            time.sleep(0.2)
        else:
            editor.stop()
            raise EditorError(f"decap-server 在 {START_TIMEOUT:.0f} 秒内没有启动")
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)  # a terminated serve still stops decap-server (finally in serve)
        return editor

    def fresh_config(self) -> str:
        """config.yml from ``site_config/`` as it is now (a column added while serving shows on reload)."""
        try:
            self.config_yml = config_text(load_config(self.config_dir), local=True, proxy_url=self.backend_url)
            return self.config_yml
        except ConfigError:
            return self.config_yml  # the last good one; the preview build reports the configuration error

    def stop(self) -> None:
        process, self.process = self.process, None
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self.socket_path:
            shutil.rmtree(os.path.dirname(self.socket_path), ignore_errors=True)

    def save_status(
        self, findings: Iterable[Finding], build_error: str, published: list[str] | None = None, started: float = 0.0
    ) -> None:
        """The findings of the last preview build, by file (what ``/admin/check`` calls ``saved``);
        ``started``: when that build began reading ``content/``."""
        by_path: dict[str, list[dict]] = {}
        for f in findings:
            by_path.setdefault(f.path, []).append(f.to_dict())
        with self.lock:
            self.status = {
                "findings": by_path,
                "build": build_error,
                "published": set(published or ()),
                "complete": published is not None,
                "started": started,
            }

    def saved(self, request: dict) -> dict:
        """The last preview build's findings for the saved file of ``request["path"]``:
        ``{"path", "saved", "published", "build", "pending"}``; ``pending`` when the file was
        saved after that build began (the preview is still rebuilding)."""
        rel = _entry_path(request.get("path"))
        with self.lock:
            status = self.status
        out = {"path": rel, "saved": None, "published": None, "build": status.get("build", ""), "pending": False}
        if not rel or not status:
            out["pending"] = bool(rel)
            return out
        try:
            changed = (self.content / rel).stat().st_mtime
        except OSError:
            changed = 0.0
        if changed >= status.get("started", 0.0):
            out["pending"] = True
            return out
        out["saved"] = status["findings"].get(rel, [])
        out["published"] = rel in status["published"] if status.get("complete") else None
        return out

    def check(self, request: dict) -> dict:
        config = load_config(self.config_dir)
        site = str(request.get("collection") or "")
        data = request.get("data") if isinstance(request.get("data"), dict) else {}
        saved_rel = _entry_path(request.get("path"))
        slug = saved_rel.rsplit("/", 1)[-1][:-3] if saved_rel else request.get("slug")
        from pipeline.rendered import MarkdownSettings, SettingsError

        try:
            markdown = MarkdownSettings.from_mkdocs(self.mkdocs_file) if self.mkdocs_file.exists() else None
        except SettingsError:
            markdown = None
        rel, draft = check_draft(
            self.content,
            config,
            site,
            data,
            slug if isinstance(slug, str) else None,
            upstream_db=self.work / "upstream.sqlite",
            markdown=markdown,
        )
        return {**self.saved(request), "path": saved_rel or rel, "draft": draft}


def _entry_path(path) -> str | None:
    """The item file an entry path from the editor page names, relative to the content folder
    (decap-server serves that folder, so the page's paths are ``items/…``); None for anything else."""
    if not isinstance(path, str) or not path.endswith(".md") or path.startswith("/"):
        return None
    parts = path.split("/")
    return path if parts[0] == "items" and not {"..", ".", ""} & set(parts) and "\\" not in path else None


def _interrupt(signum, frame):  # pragma: no cover - signal handler
    raise KeyboardInterrupt


TYPES = {
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".png": "image/png",
}


def make_server(editor: Editor, **kwargs):
    """A LiveReloadServer that also answers ``/admin/…`` from the editor."""
    return server_class(editor)(**kwargs)


def server_class(editor: Editor):
    """The LiveReloadServer class that also answers ``/admin/…`` from ``editor`` (``portal serve``
    derives its preview server from it)."""
    from mkdocs.livereload import LiveReloadServer

    port = int(editor.origin.rsplit(":", 1)[1])

    connection = threading.local()  # the request's socket, for the handler thread (ThreadingMixIn)

    class EditorServer(LiveReloadServer):
        def finish_request(self, request, client_address):
            connection.socket = request
            try:
                super().finish_request(request, client_address)
            finally:
                connection.socket = None

        def serve_request(self, environ, start_response):
            why = cms_backend.refused(environ, port)  # DNS rebinding, a cross-origin write
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "ignore")
            if not why and path in CONTENT_ROUTES:  # another account of this machine
                why = cms_backend.foreign_user(getattr(connection, "socket", None))
            if why:
                return _respond(start_response, "403 Forbidden", why.encode(), "text/plain; charset=utf-8")
            if path == "/admin":
                start_response("302 Found", [("Location", "/admin/")])
                return []
            if path.startswith("/admin/"):
                return _admin(editor, environ, start_response, path[len("/admin/") :])
            return super().serve_request(environ, start_response)

    return EditorServer


def _respond(start_response, status: str, body: bytes, content_type: str) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            # the editor never in another site's frame: no click or drag into it from a page laid over it
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "frame-ancestors 'none'"),
        ],
    )
    return [body]


def _foreign_origin(editor: Editor, environ) -> bool:
    """Whether a write's ``Origin`` is another page than the editor: the address serve prints, or
    the same server under another loopback name it was opened with (localhost, [::1]) — the
    origin its own Host names."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is None or origin == editor.origin:
        return False
    port = int(editor.origin.rsplit(":", 1)[1])
    host = environ.get("HTTP_HOST") or ""
    return cms_backend.foreign_host(environ, port) is not None or origin.lower() != f"http://{host}".lower()


def _admin(editor: Editor, environ, start_response, rel: str) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    if rel == cms_backend.API_PATH:  # decap-server, behind serve_request's Host and Origin checks
        process = editor.process
        if _foreign_origin(editor, environ):
            status, kind, body = cms_backend.error("403 Forbidden", "来源不符")
        elif process is None or process.poll() is not None:  # its socket would only refuse
            status, kind, body = cms_backend.error(
                "502 Bad Gateway",
                f"网页编辑器的本地后端 decap-server 已退出（退出码 {getattr(process, 'returncode', None)}），"
                "无法读取或保存。请结束并重新运行 portal serve --cms（终端里有它退出前的输出）",
            )
        else:
            status, kind, body = cms_backend.forward(editor.socket_path, environ)
        return _respond(start_response, status, body, kind)
    if rel in ("check", "status"):
        if method != "POST":
            return _respond(
                start_response, "405 Method Not Allowed", "只接受 POST".encode(), "text/plain; charset=utf-8"
            )
        if _foreign_origin(editor, environ):
            return _respond(start_response, "403 Forbidden", "来源不符".encode(), "text/plain; charset=utf-8")
        length = cms_backend.body_length(environ)
        if not 0 < length <= MAX_CHECK_BODY:
            return _respond(
                start_response, "413 Payload Too Large", "条目过大或为空".encode(), "text/plain; charset=utf-8"
            )
        try:
            request = json.loads(environ["wsgi.input"].read(length).decode("utf-8"))
            if not isinstance(request, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            return _respond(start_response, "400 Bad Request", "不是 JSON".encode(), "text/plain; charset=utf-8")
        try:
            result = editor.check(request) if rel == "check" else editor.saved(request)
        except ConfigError as exc:
            result = {"error": f"配置错误：{exc}"}
        return _respond(
            start_response, "200 OK", json.dumps(result, ensure_ascii=False).encode(), "application/json; charset=utf-8"
        )
    if method not in ("GET", "HEAD"):
        return _respond(start_response, "405 Method Not Allowed", b"", "text/plain")
    if rel in ("", "index.html"):
        return _respond(start_response, "200 OK", editor.index_html.encode(), "text/html; charset=utf-8")
    if rel == "config.yml":
        return _respond(start_response, "200 OK", editor.fresh_config().encode(), "text/yaml; charset=utf-8")
    if rel in ASSETS:
        return _respond(start_response, "200 OK", (CMS_DIR / rel).read_bytes(), TYPES[".js"])
    for prefix, folder in (("decap/", editor.dist), ("yaml/", editor.dist.parent.parent / "yaml" / "browser" / "dist")):
        if rel.startswith(prefix):
            name = posixpath.normpath("/" + rel[len(prefix) :]).lstrip("/")
            file = folder / name
            if name and "\x00" not in name and file.is_file() and folder.resolve() in file.resolve().parents:
                return _respond(
                    start_response, "200 OK", file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream")
                )
    return _respond(start_response, "404 Not Found", "没有这个文件".encode(), "text/plain; charset=utf-8")
