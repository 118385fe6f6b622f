"""``portal serve`` at scale (issue 15): from saving an item file to the browser showing the new text.

Generates N items (bench/gen_items.py; default 10,000) or takes ``--content``, starts ``portal serve``
on them (its first build is a clean full build: its time is printed as the baseline of the same run),
opens one item page in Debian's chromium (/usr/bin/chromium, driven by Playwright; no browser is
downloaded), then, several times: appends a sentence with a new marker to the item file and measures
from the write to the open page showing the marker (the preview's script reloads the page when the
server names it as changed).  Between the measured saves there is no complete
build (all gates, search, audit) — which ``portal serve`` starts once nothing was saved for
``--idle`` seconds — the saves come ``--pause`` seconds after the previous page update (an editor
fixing text and saving again); one more save is measured while that complete build runs (in its
child process; the fast path answers it from the overlay).  Also prints the fast path's own seconds
and their split (gate, docs tree, mkdocs) from the server's log, Hugo's time for the same items
(the anchor, bench/hugo_anchor.py) and ``uptime``.

    .venv/bin/python bench/serve_reload.py                       # 10k items
    .venv/bin/python bench/serve_reload.py --n 2000 --repeats 3
    .venv/bin/python bench/serve_reload.py --content /tmp/portal-bench/inc10000/content
    .venv/bin/python bench/serve_reload.py --content C --work W   # W kept: its preview is reused
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


def wait(predicate, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def pick_item(content: Path) -> tuple[Path, str]:
    """An item in the middle of the tree (as bench/incremental_speed.py edits) and its URL."""
    items = sorted((content / "items").rglob("*.md"))
    for path in items[len(items) // 2 :] + items:
        text = path.read_text(encoding="utf-8")
        if "classified: true" in text or "disclosure:" in text or "files/" in text:
            continue  # withheld or with attachments: not the common edit
        site, year = path.parent.parent.name, path.parent.name
        return path, f"/{site}/{year}/{path.stem}/"
    raise SystemExit("no item to edit")


def shows(page, marker: str) -> bool:
    try:
        return bool(page.evaluate("m => !!document.body && document.body.innerText.includes(m)", marker))
    except Exception:  # noqa: BLE001 - the page is being reloaded
        return False


def save_and_wait(page, item: Path, marker: str, timeout: float = 600) -> float:
    text = item.read_text(encoding="utf-8")
    started = time.perf_counter()
    item.write_text(text + f"\n补充说明：{marker}。\n", encoding="utf-8")
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if shows(page, marker):
            return time.perf_counter() - started
        time.sleep(0.02)
    raise SystemExit(f"the page never showed {marker}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--content", type=Path, help="use this content folder (not changed but for the one item)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/portal-bench"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--idle", type=float, default=5.0, help="portal serve --idle")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between a page update and the next save")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument(
        "--work", type=Path, help="keep and reuse this work folder (its preview): the first build is then incremental"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found (apt-get install chromium); no browser is downloaded")
    base_dir = args.scratch / f"serve{args.n}"
    base_dir.mkdir(parents=True, exist_ok=True)
    content = args.content
    if content is None:
        content = base_dir / "content"
        if not (content / "items").is_dir():
            from gen_items import generate

            generate(args.n, content)
    work = args.work or base_dir / "work"
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    item, url = pick_item(content)
    original = item.read_text(encoding="utf-8")
    n_items = sum(1 for _ in (content / "items").rglob("*.md"))
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}")
    print(f"load at start: {uptime()}")
    print(f"N = {n_items:,} item files in {content}; edited: {item.relative_to(content)}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = base_dir / "serve.log"
    log = open(log_path, "w", encoding="utf-8")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--content", str(content), "--work", str(work)]
        + ["--port", str(port), "--idle", str(args.idle)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    saves: list[float] = []
    busy: float | None = None
    try:
        wait(lambda: get(base + url), "the first preview", 7200)
        first = time.perf_counter() - started
        built = re.search(r"预览已更新：.*用时 ([\d.]+) 秒", log_path.read_text(encoding="utf-8"))
        kind = "incremental first build over the kept --work" if args.work else "clean full build"
        print(
            f"{kind} (serve's first build, same run): {float(built.group(1)) if built else float('nan'):.1f} s"
            f" (process start to first page served {first:.1f} s); load: {uptime()}"
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(base + url)
            for n in range(1, args.repeats + 1):
                time.sleep(args.pause)
                saves.append(save_and_wait(page, item, f"BENCHMARK{n}X{os.getpid()}"))
                print(f"  save {n}: page reloaded with the new text after {saves[-1]:.2f} s; load: {uptime()}")
            time.sleep(args.idle + 1.0)  # the complete build has started
            busy = save_and_wait(page, item, f"BENCHMARKBUSY{os.getpid()}")
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        item.write_text(original, encoding="utf-8")
    fast = [
        tuple(float(v) for v in x)
        for x in re.findall(
            r"预览已更新（快速[^）]*）：.*用时 ([\d.]+) 秒（审查 ([\d.]+)、docs 树 ([\d.]+)、mkdocs ([\d.]+)）",
            log_path.read_text(encoding="utf-8"),
        )
    ]
    print(
        f"save → page reloaded, idle server, {len(saves)} saves: median {statistics.median(saves):.2f} s, "
        f"min {min(saves):.2f} s, max {max(saves):.2f} s"
    )
    if fast:
        print(f"  of which the server's fast path: median {statistics.median(f[0] for f in fast):.2f} s")
        for n, (total, gate, docs, mkdocs) in enumerate(fast, 1):
            print(f"  {n}: {total:.2f} s = gate {gate:.2f} + docs tree {docs:.2f} + mkdocs {mkdocs:.2f} + other")
    if busy is not None:
        print(f"save while the complete build runs (its child process): {busy:.2f} s (the last fast path above)")
    if not args.no_hugo:
        from hugo_anchor import line

        print(line(content, base_dir))
    print(f"load at end: {uptime()}")


if __name__ == "__main__":
    main()
