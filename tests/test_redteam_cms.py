"""Red team of ``portal serve`` (with and without ``--cms``) as a hostile web page in the editor's
browser would see it: DNS rebinding against the plain preview, the editor framed by another site,
errors of the editor's backend route that the editor page must be able to read."""

from __future__ import annotations

import io
import json


import cms_serve
from pipeline import serve


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
    server = serve.make_server(out, "127.0.0.1", cms_serve.free_port(), lambda: None)
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
