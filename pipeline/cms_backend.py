"""decap-server behind the preview server: reachable by the editor page, never by another site.

decap-server (the web editor's local backend) writes ``content/`` and has no login.  On a TCP
port of 127.0.0.1 any web page could reach it: a page on ``attacker.example`` rebinds its DNS
name to 127.0.0.1 and then POSTs to ``http://attacker.example:<port>/api/v1`` — for the browser a
same-origin request, so neither CORS nor decap-server's ``ORIGIN`` stops it.  So:

- decap-server listens on a Unix socket in a folder only this user can enter
  (``cms/portal-listen-unix.cjs``, preloaded with ``node --require``): no browser can open it;
- the preview server forwards ``/admin/api/v1`` to it (:func:`forward`) and answers every
  request of the editor's server only when :func:`refused` finds nothing wrong: the ``Host``
  header names this server's loopback address and port (``127.0.0.1``, ``localhost`` or
  ``[::1]``) — a rebound name never does — and a write (anything but GET/HEAD) carrying an
  ``Origin`` comes from that same origin.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import socket

from pipeline.cms import CMS_DIR

PRELOAD = CMS_DIR / "portal-listen-unix.cjs"
API_PATH = "api/v1"  # under /admin/
MAX_BODY = 64 * 1024 * 1024  # decap-server takes JSON up to 50 MB (an attachment, base64)
TIMEOUT = 120.0
SOCKET_PATH_MAX = 100  # bytes of a Unix socket's path (sun_path: 108 on Linux, 104 on macOS, with the NUL)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_HOST = re.compile(r"^(?P<name>\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::(?P<port>[0-9]+))?$")


def body_length(environ) -> int:
    """The request body's declared length (WSGI ``CONTENT_LENGTH``); -1 when it is not a number."""
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return -1


def guards_host(bound: str) -> bool:
    """Whether a server bound to ``bound`` (serve's ``--host``) answers loopback names only: it
    does on a loopback address (the default); one shown to the network on purpose (``0.0.0.0``, a
    LAN address) is reached by every name of the machine."""
    if bound.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(bound.strip("[]")).is_loopback
    except ValueError:
        return False


def foreign_host(environ: dict, port: int, bound: str = "127.0.0.1") -> str | None:
    """Why the ``Host`` of the request in ``environ`` is not this loopback server on ``port``
    (in Chinese), or None.  A page whose DNS name was rebound to 127.0.0.1 reaches the server as
    its own origin, but its requests keep that name in Host."""
    host = environ.get("HTTP_HOST")
    names = {*LOOPBACK_NAMES, f"[{bound}]" if ":" in bound else bound.lower()}
    m = _HOST.match(host or "")
    if m is None or m["name"].lower() not in names or int(m["port"] or 80) != port:
        return f"Host “{host}” 不是本机预览地址（只接受 127.0.0.1、localhost 或 [::1] 的 {port} 端口）"
    return None


def refused(environ: dict, port: int) -> str | None:
    """Why the request in ``environ`` may not reach the editor's server on ``port`` (in Chinese),
    or None: a ``Host`` other than this server's loopback address (DNS rebinding), or a write
    whose ``Origin`` is not this same origin."""
    why = foreign_host(environ, port)
    if why:
        return why
    host = environ.get("HTTP_HOST")
    origin = environ.get("HTTP_ORIGIN")
    if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD") and origin is not None:
        if origin.lower() != f"http://{host}".lower():
            return f"来源 “{origin}” 不是本机预览页面，不能通过编辑器写入"
    return None


TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def foreign_user(sock) -> str | None:
    """Why the TCP connection ``sock`` (accepted on 127.0.0.1) is not from the user running serve
    (in Chinese), or None.  decap-server's socket is in a folder only this user can enter, but
    serve's port is open to every account of the machine, whose requests choose their own Host
    and Origin: the routes that reach ``content/`` ask Linux who owns the other end (its entry in
    /proc/net/tcp, found by the two ports).  None without /proc (nothing to ask)."""
    if not os.path.exists(TCP_TABLES[0]):
        return None
    try:
        client, server = sock.getpeername()[1], sock.getsockname()[1]
    except (OSError, AttributeError, IndexError):
        return "无法确认这个连接来自哪个用户"
    ends = (f"{client:04X}", f"{server:04X}")
    owners = set()
    for table in TCP_TABLES:
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 7 and (fields[1].rsplit(":", 1)[-1], fields[2].rsplit(":", 1)[-1]) == ends:
                owners.add(int(fields[7]))
    if owners == {os.geteuid()}:
        return None
    who = "、".join(str(uid) for uid in sorted(owners)) or "未知"
    return f"这个连接来自本机另一个用户（uid {who}），网页编辑器只接受运行 portal serve 的用户（uid {os.geteuid()}）"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def reachable(socket_path: str) -> bool:
    """Whether decap-server accepts connections on ``socket_path`` yet."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        try:
            sock.connect(socket_path)
        except OSError:
            return False
    return True


def error(status: str, message: str) -> tuple[str, str, bytes]:
    """An answer of the API route that the editor page can show: Decap's proxy backend reads every
    answer as JSON and shows its ``error`` (a text/plain body became “Unexpected token …”)."""
    return status, "application/json; charset=utf-8", json.dumps({"error": message}, ensure_ascii=False).encode()


def forward(socket_path: str, environ: dict) -> tuple[str, str, bytes]:
    """(status line, content type, body) of decap-server's answer to the POST in ``environ``.
    Only a JSON body is forwarded (what the editor page sends): decap-server reads nothing else,
    and a body without a Content-Type is never taken for JSON."""
    if environ.get("REQUEST_METHOD") != "POST":
        return error("405 Method Not Allowed", "只接受 POST")
    kind = (environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        return error("415 Unsupported Media Type", "只接受 JSON（Content-Type: application/json）")
    length = body_length(environ)
    if not 0 < length <= MAX_BODY:
        return error(
            "413 Payload Too Large", f"请求为空或超过 {MAX_BODY // (1024 * 1024)} MB（附件太大时请压缩或拆分后再上传）"
        )
    body = environ["wsgi.input"].read(length)
    connection = _UnixConnection(socket_path, TIMEOUT)
    try:
        connection.request("POST", "/api/v1", body=body, headers={"Content-Type": "application/json; charset=utf-8"})
        answer = connection.getresponse()
        data = answer.read()
        return (
            f"{answer.status} {answer.reason}",
            answer.getheader("Content-Type") or "application/json; charset=utf-8",
            data,
        )
    except OSError as exc:
        return error(
            "502 Bad Gateway",
            f"网页编辑器的本地后端 decap-server 没有响应（{exc}）。请结束并重新运行 portal serve --cms",
        )
    finally:
        connection.close()
