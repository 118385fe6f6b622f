"""防篡改 (issue 14 §4): a signed manifest of the built site and ``portal verify`` on a web root.

Each test copies the built demo into a temporary web root, tampers with it the way an attacker
or a careless operator would, and runs the real CLI: exit status 1 and the file named.  Keys are
made with ``ssh-keygen`` at test time; the signature is checked by ``ssh-keygen -Y verify``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline import manifest
from helpers import ROOT, run_portal


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(deployment private key, allowed_signers, another key that is not allowed)."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("没有 ssh-keygen")
    tmp = tmp_path_factory.mktemp("keys")
    for name in ("deploy", "intruder"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(tmp / name)], check=True)
    public = (tmp / "deploy.pub").read_text().split()
    (tmp / "allowed_signers").write_text(f'portal-deploy namespaces="portal-manifest" {public[0]} {public[1]}\n')
    return tmp / "deploy", tmp / "allowed_signers", tmp / "intruder"


@pytest.fixture()
def webroot(demo_site, keys, tmp_path) -> Path:
    """A deployed copy of the demo with its signed manifest, and the trusted build beside it."""
    trusted = tmp_path / "build"
    shutil.copytree(demo_site.out, trusted)
    manifest.write(trusted, keys[0])
    root = tmp_path / "www"
    shutil.copytree(trusted, root)
    return root


def verify(root: Path, keys, *extra: str):
    return run_portal("verify", str(root), "--allowed-signers", str(keys[1]), *extra)


def test_untouched_root_verifies(webroot, keys):
    done = verify(webroot, keys)
    assert done.returncode == 0, done.stderr
    assert "清单签名有效（签名者 portal-deploy）" in done.stderr and "被改动 0 个，缺失 0 个，多出 0 个" in done.stderr


def test_manifest_lists_every_file_and_is_reproducible(demo_site, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(demo_site.out, a)
    shutil.copytree(demo_site.out, b)
    assert manifest.write(a).read_bytes() == manifest.write(b).read_bytes()
    files = json.loads((a / manifest.NAME).read_text(encoding="utf-8"))["files"]
    assert set(files) == {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()} - {manifest.NAME}


def _first_page(root: Path) -> Path:
    return next(p for p in sorted(root.rglob("index.html")) if "bureau/2026" in p.as_posix())


@pytest.mark.parametrize(
    "tamper, label",
    [
        ("byte", "被改动"),
        ("script", "被改动"),
        ("php", "多出"),
        ("delete", "缺失"),
        ("symlink", "被改动"),
    ],
)
def test_tampering_is_named_and_fails(webroot, keys, tamper, label):
    page = _first_page(webroot)
    rel = page.relative_to(webroot).as_posix()
    if tamper == "byte":
        data = bytearray(page.read_bytes())
        data[len(data) // 2] ^= 0x01
        page.write_bytes(bytes(data))
    elif tamper == "script":
        page.write_text(
            page.read_text(encoding="utf-8").replace("</body>", "<script>alert(1)</script></body>"), encoding="utf-8"
        )
    elif tamper == "php":
        (webroot / "files").mkdir(exist_ok=True)
        (webroot / "files" / "shell.php").write_text("<?php system($_GET['c']); ?>")
        rel = "files/shell.php"
    elif tamper == "delete":
        page.unlink()
    elif tamper == "symlink":
        page.unlink()
        page.symlink_to("/etc/hostname")
    done = verify(webroot, keys)
    assert done.returncode == 1
    assert f"{label}：{rel}" in done.stdout, done.stdout


def test_manifest_edited_without_the_key_is_refused(webroot, keys):
    page = _first_page(webroot)
    page.write_text("<html>已篡改</html>", encoding="utf-8")
    data = json.loads((webroot / manifest.NAME).read_text(encoding="utf-8"))
    rel = page.relative_to(webroot).as_posix()
    data["files"][rel] = {
        "sha256": manifest._digest(page),
        "size": page.stat().st_size,
    }  # the attacker updates the list too
    (webroot / manifest.NAME).write_bytes(manifest.dumps(data))
    done = verify(webroot, keys)
    assert done.returncode == 1 and "网站清单与签名不符" in done.stderr
    # re-signed with a key that is not the deployment key: still refused
    manifest.sign(webroot / manifest.NAME, keys[2])
    done = verify(webroot, keys)
    assert done.returncode == 1 and "不是允许的部署密钥所签" in done.stderr
    # and a deleted signature
    (webroot / manifest.SIGNATURE).unlink()
    done = verify(webroot, keys)
    assert done.returncode == 1 and "没有签名" in done.stderr


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{not json",
        b'{"format": 1, "files": {"../../etc/passwd": {"sha256": "0", "size": 1}}}',
        b'{"format": 99, "files": {}}',
        b"[1, 2]",
    ],
)
def test_broken_manifest_is_a_clear_error(webroot, garbage):
    (webroot / manifest.NAME).write_bytes(garbage)
    done = run_portal("verify", str(webroot))
    assert done.returncode == 1 and "网站清单" in done.stderr and "Traceback" not in done.stderr


def test_restore_puts_back_the_built_files(webroot, keys, tmp_path):
    page = _first_page(webroot)
    original = page.read_bytes()
    page.write_text("<html>已篡改</html>", encoding="utf-8")
    (webroot / "evil.php").write_text("<?php ?>")
    victim = next(p for p in webroot.rglob("*.xml"))
    victim_bytes = (tmp_path / "build" / victim.relative_to(webroot)).read_bytes()
    victim.unlink()
    done = verify(webroot, keys, "--restore", str(tmp_path / "build"))
    assert done.returncode == 1 and "已从" in done.stderr  # the run that found the damage still reports it
    assert page.read_bytes() == original and not (webroot / "evil.php").exists() and victim.read_bytes() == victim_bytes
    assert verify(webroot, keys).returncode == 0
    # a "trusted" copy that was tampered with too is refused
    page.write_text("<html>又被篡改</html>", encoding="utf-8")
    (tmp_path / "build" / page.relative_to(webroot)).write_text("<html>副本也被改</html>", encoding="utf-8")
    done = verify(webroot, keys, "--restore", str(tmp_path / "build"))
    assert done.returncode == 1 and "可信副本" in done.stderr


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_verify_over_http_on_loopback(webroot, keys):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(webroot)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        done = verify(url, keys, "--workers", "4")
        assert done.returncode == 0, done.stdout + done.stderr
        sampled = verify(url, keys, "--sample", "10")
        assert sampled.returncode == 0 and "检查 10 个文件" in sampled.stderr
        page = _first_page(webroot)
        page.write_text("<html>已篡改</html>", encoding="utf-8")
        done = verify(url, keys)
        assert done.returncode == 1 and f"被改动：{page.relative_to(webroot).as_posix()}" in done.stdout
    finally:
        server.shutdown()
        server.server_close()


# --- the build writes it (issue 14 §4 with the atomic publish of issue 12 §6) -------------------------


def _digest(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_build_writes_its_manifest_signed_when_a_key_is_configured(demo_site, keys, tmp_path):
    # unsigned without a key, and it describes the built site exactly
    assert (demo_site.out / manifest.NAME).is_file() and not (demo_site.out / manifest.SIGNATURE).exists()
    files, _ = manifest.load(demo_site.out, None)
    assert manifest.compare(demo_site.out, files).clean
    # PORTAL_MANIFEST_KEY (or --sign-key) signs it; --manifest-copy keeps a copy outside the swapped folder
    site, work, copy = tmp_path / "site", tmp_path / "work", tmp_path / "trusted"
    args = [sys.executable, "-m", "pipeline", "build", "--out", str(site), "--work", str(work)]
    done = subprocess.run(
        [*args, "--manifest-copy", str(copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PORTAL_MANIFEST_KEY": str(keys[0])},
    )
    assert done.returncode == 0, done.stderr
    assert verify(site, keys).returncode == 0
    for name in (manifest.NAME, manifest.SIGNATURE):
        assert (copy / name).read_bytes() == (site / name).read_bytes()
    # an intruder who changes a page and rewrites the manifest in the web root is caught by the copy
    page = _first_page(site)
    page.write_text("<html>已篡改</html>", encoding="utf-8")
    manifest.write(site)
    done = verify(site, keys, "--manifest-from", str(copy))
    assert done.returncode == 1 and f"被改动：{page.relative_to(site).as_posix()}" in done.stdout
    # a key that cannot sign fails the build, and the site stays as it was
    before = _digest(site)
    bad = tmp_path / "not-a-key"
    bad.write_text("not a key\n", encoding="utf-8")
    done = subprocess.run([*args, "--sign-key", str(bad)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1 and "网站清单" in done.stderr and "Traceback" not in done.stderr
    assert _digest(site) == before


@pytest.mark.parametrize("target", ["fifo", "folder"])
def test_a_link_to_something_that_is_not_a_file_fails_clearly_and_never_blocks(tmp_path, target):
    """hash_site follows a symlink (a web server serves its target): a link to a FIFO would block
    the build for ever, a link to a folder is nothing a manifest can list — both are a clear error."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    thing = tmp_path / "thing"
    os.mkfifo(thing) if target == "fifo" else thing.mkdir()
    (site / "leak.html").symlink_to(thing)
    answer: list = []

    def run():
        try:
            manifest.hash_site(site)
        except manifest.ManifestError as exc:
            answer.append(str(exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "hash_site blocked on a FIFO"
    assert answer and "不是普通文件" in answer[0]


def test_parts_hashed_apart_are_put_together_in_listing_order(tmp_path):
    """The build hashes the site in parts (outside the bundles, each bundle folder as Pagefind
    reports it, the rest) and puts them together once: the files in the order ``listing`` gives
    (the manifest's and the post-check listing's), every part's statuses and reuse counted."""
    site = tmp_path / "site"
    for rel in ("pagefind/a.pf", "pagefind-2/b.pf", "pagefind-10/c.pf", "index.html", "a/b.html", "pagefind-1/x"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(rel, encoding="utf-8")
    tops = ("pagefind-10", "pagefind-2", "pagefind-1")
    outside = manifest.hash_site(site, top=lambda name: not name.startswith("pagefind"))
    parts = [manifest.hash_site(site, top=name.__eq__) for name in tops]
    during = manifest.SiteHashes.union(parts, ordered=False)
    assert list(during.files) == ["pagefind-10/c.pf", "pagefind-2/b.pf", "pagefind-1/x"]  # as they came
    last = manifest.hash_site(site, top="pagefind".__eq__)
    whole = manifest.SiteHashes.union((outside, during, last))
    assert list(whole.files) == manifest.listing(site)
    assert whole.files == manifest.hash_site(site).files and whole.seen == manifest.hash_site(site).seen
    assert outside.joined(last).files == {**outside.files, **last.files}
    assert list(outside.joined(last).files) == sorted({**outside.files, **last.files})
