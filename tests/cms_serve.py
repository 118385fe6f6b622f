"""``portal serve --cms`` as a child process, for the tests that drive the web editor over real
HTTP (test_browser_cms.py with a browser, test_cms.py with plain requests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from helpers import ROOT, stop_process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return response.read().decode("utf-8")


def start(cwd: Path, log_file: Path, *options: str, wait: float = 300) -> tuple[subprocess.Popen, str]:
    """``portal serve --cms *options`` run in ``cwd`` on a free port, once ``/admin/config.yml``
    answers: (process, base URL ending in /).  AssertionError, the log's end, when it does not."""
    port = free_port()
    log = log_file.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--cms", "--port", str(port), *options],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + wait
    while True:
        if process.poll() is not None:
            raise AssertionError("portal serve --cms 退出了：" + log_file.read_text(encoding="utf-8")[-2000:])
        try:
            get(base + "admin/config.yml")
            return process, base
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                raise AssertionError(f"portal serve --cms 在 {wait:.0f} 秒内没有开始服务") from None
            time.sleep(0.5)


stop = stop_process  # tests name it cms_serve.stop


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def listening_tcp_ports(pid: int) -> set[int]:
    """TCP ports (IPv4 and IPv6) process ``pid`` listens on (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def post_to_socket(socket_path: str, body: bytes) -> tuple[int, bytes]:
    """POST ``body`` to decap-server's ``/api/v1`` on its Unix socket directly (what a local
    process of the same user can do), past the preview server."""
    import http.client

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(30)
            self.sock.connect(socket_path)

    connection = Connection("localhost", timeout=30)
    try:
        connection.request("POST", "/api/v1", body=body, headers={"Content-Type": "application/json"})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()
