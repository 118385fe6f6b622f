"""``portal serve``: live preview for editors (issue 15 §4).

Builds once into a private folder under the work directory, serves it on 127.0.0.1 with
mkdocs' live-reload server, and brings it up to date when anything under ``content/``,
``site_config/``, ``theme/`` or ``mkdocs.yml`` changes, so the preview shows exactly what the
gates let through.  A saved item file goes through the fast path (:mod:`pipeline.preview`: that
item gated, its pages rendered, in about a second); everything else, and the complete build
(every gate, search, audit) once nothing was saved for ``--idle`` seconds, is the ordinary
incremental build run in a child process (:mod:`pipeline.serve_child`), which holds the build
lock on the work folder like ``portal build`` and swaps the new preview in whole, so the browser
never sees a half-written site.

* **Saves are answered while a complete build runs.**  The fast path takes the build lock too
  (without waiting) for its writes to the preview and ``<work>``; when a complete build holds it,
  the fast path writes nothing there: its pages go into ``<work>/preview-overlay``, served in
  front of the preview, and once the complete build has swapped its preview in, the saves are
  applied again to the new state (or, when that build failed, the overlay is put in place).
* **The page record is kept in memory** between saves and written to ``<work>/pages.msgpack`` before
  the next complete build and on exit — not on the save's path.  The record on disk may lag the
  preview meanwhile; a build takes a page over only when the file still has the recorded
  digest (:mod:`pipeline.mkdocs_pages`), so a lagging record only costs pages rendered again.
* **Only the changed page reloads.**  After a rebuild ``/portal-status.json`` lists the pages
  it rendered anew or removed; the script injected into every preview page reloads the page
  only when it is one of them (or when everything was rendered: theme, nav, config).
* **The gate's findings for the saved file**, in the terminal and in an overlay on the page.
* **A bad edit keeps the last good preview.**  When a file saved since the last build has an
  error (broken YAML, an unknown 栏目, a date in the future such as 9999 …), the build is
  stopped before the swap by an extra publish check, the preview stays as it was, and the
  overlay and the terminal say why.

With ``--cms`` it also serves the web editor (Decap CMS, issue 13 §2) at ``/admin/`` from the
local ``cms/node_modules`` — never from a CDN, and never into ``site/`` — with decap-server
started on loopback as the local backend (writing into ``content/``; stopped on exit, and
killed with this process).  ``POST /admin/check`` runs ``portal check`` on the entry being
edited and returns its findings with those of the last preview build (§3).

Why about 590 lines: the watcher, the HTTP server with its status endpoint, the overlay folder and the overlay
script, and the hand-over between the fast path and the complete build's child are one process's parts, sharing
its state; the build logic they call lives in :mod:`pipeline.build`, :mod:`pipeline.preview` and
:mod:`pipeline.serve_child`.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import shutil
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path

import click

from pipeline import build as build_mod
from pipeline.serve_child import BLOCKING_WARNINGS, blocking, saved_check, saved_findings  # noqa: F401 - used by tests
from pipeline.config import load_config

STATUS_PATH = "/portal-status.json"
OVERLAY = "preview-overlay"  # in --work: pages the fast path made while a complete build ran (served first)


def unsigned_note(findings) -> str:
    """What the editor must know when the preview keeps the last version of files whose 审签 is not
    proved (``review.require_signature``): the build withholds them, the preview's copy is no
    approval.  Empty when no finding says so."""
    from pipeline.provenance import SIGNATURE_RULES

    paths = sorted({f.path for f in findings if f.severity == "error" and f.rule in SIGNATURE_RULES})
    if not paths:
        return ""
    return (
        f"；{'、'.join(paths[:5])}{' 等' if len(paths) > 5 else ''} 没有有效的审签签名（或审签后又改动过），"
        "portal build 不会发布，预览里仍是上一次的版本，并不表示已审签"
    )


def snapshot(content: Path) -> dict[str, int]:
    """content-relative path → mtime (ns) of every file under ``content``."""
    out = {}
    base = str(content)
    for folder, _dirs, names in os.walk(base):
        for name in names:
            path = os.path.join(folder, name)
            try:
                out[os.path.relpath(path, base).replace(os.sep, "/")] = os.stat(path).st_mtime_ns
            except OSError:
                continue
    return out


def saved_since(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """Files written, added or removed between two snapshots."""
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


def page_urls(changed) -> list[str] | str:
    """Output paths → the URLs a browser shows them at; ``"*"`` for everything."""
    if changed is None:
        return "*"
    urls = []
    for dest in changed:
        urls.append("/" + (dest[: -len("index.html")] if dest.endswith("index.html") else dest))
    return urls


OVERLAY_JS = r"""
(function(epoch){
  var known = epoch, seen = null;
  function esc(s){
    return String(s).replace(/[&<>"]/g,function(c){return {"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c];});
  }
  function show(st){
    var box = document.getElementById("portal-overlay");
    var lines = (st.findings||[]);
    if (!st.error && !lines.length && !st.note){ if (box) box.remove(); return; }
    if (!box){ box = document.createElement("div"); box.id = "portal-overlay";
      box.setAttribute("role","status");
      box.style.cssText = "position:fixed;right:1em;bottom:1em;max-width:42em;max-height:50vh;overflow:auto;"+
        "z-index:10000;background:#fff8f0;border:2px solid #b71c1c;padding:.8em 1em;font:14px/1.5 sans-serif;"+
        "color:#222;box-shadow:0 2px 8px #0004";
      document.body.appendChild(box); }
    var html = "";
    if (st.error)
      html += "<strong style='color:#b71c1c'>预览未更新（仍显示上一次成功的版本）：</strong><br>"+esc(st.error)+"<br>";
    if (lines.length) html += "<strong>保存的文件的审查意见：</strong><ul style='margin:.3em 0 .3em 1.2em'>"+
      lines.map(function(l){return "<li>"+esc(l)+"</li>";}).join("")+"</ul>";
    if (st.note) html += "<small>"+esc(st.note)+"</small>";
    html += " <button type='button' onclick='this.parentNode.remove()'>关闭</button>";
    box.innerHTML = html;
  }
  function status(then){
    var r = new XMLHttpRequest();
    r.onloadend = function(){ if (this.status === 200) { try { then(JSON.parse(this.responseText)); } catch(e){} } };
    r.open("GET", "/portal-status.json"); r.send();
  }
  function mine(st){
    if (st.changed === "*") return true;
    var here = decodeURI(location.pathname);
    return (st.changed||[]).some(function(u){ return u === here || u + "index.html" === here; });
  }
  function poll(){
    var req = new XMLHttpRequest();
    req.onloadend = function(){
      var now = parseFloat(this.responseText);
      if (this.status === 200 && now > known){
        known = now;
        status(function(st){
          if (st.version === seen) { setTimeout(poll, 0); return; }  // a build that changed nothing
          seen = st.version;
          if (!st.error && mine(st)) { location.reload(); } else { show(st); } setTimeout(poll, 0);
        });
      } else { setTimeout(poll, this.status === 200 ? 0 : 3000); }
    };
    req.open("GET", "/livereload/" + known + "/" + Date.now()); req.send();
  }
  window.addEventListener("load", function(){ status(function(st){ seen = st.version; show(st); }); poll(); });
})(%d);
"""


def overlay_path(path_info: str) -> str | None:
    """The output path a request names (as mkdocs' server maps it), or None."""
    path = path_info.encode("latin-1").decode("utf-8", "ignore")
    if not path.startswith("/"):
        return None
    rel = path[1:] + ("index.html" if path.endswith("/") else "")
    return posixpath.normpath("/" + rel).lstrip("/")


def make_server(out: Path, host: str, port: int, rebuild, editor=None, overlay=None):
    """The preview server: mkdocs' LiveReloadServer (with the web editor's ``/admin/`` when
    ``editor``), answering ``/portal-status.json`` and injecting :data:`OVERLAY_JS`.  ``overlay()``
    gives (folder, output paths in it, output paths removed): those are served from the folder (or
    not found) in front of the preview."""
    from mkdocs.livereload import LiveReloadServer

    base = LiveReloadServer
    if editor is not None:
        from pipeline import cms_server

        base = cms_server.server_class(editor)

    from pipeline import cms_backend

    guarded = cms_backend.guards_host(host)

    class PortalServer(base):
        status: dict = {"changed": [], "findings": [], "error": None, "note": "", "version": 0}

        def serve_request(self, environ, start_response):
            # the preview holds what is not published yet and the status the gate's findings (with
            # the text they found): never to a page whose DNS name was rebound to 127.0.0.1
            why = guarded and cms_backend.foreign_host(environ, self.server_address[1], host)
            if why:
                body = why.encode("utf-8")
                start_response(
                    "403 Forbidden",
                    [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
                )
                return [body]
            return super().serve_request(environ, start_response)

        def _serve_request(self, environ, start_response):
            if environ.get("PATH_INFO") == STATUS_PATH:
                body = json.dumps(self.status, ensure_ascii=False).encode("utf-8")
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", "application/json; charset=utf-8"),
                        ("Content-Length", str(len(body))),
                        ("Cache-Control", "no-store"),
                    ],
                )
                return [body]
            if overlay is not None:
                folder, files, gone = overlay()
                if files or gone:
                    rel = overlay_path(environ.get("PATH_INFO", ""))
                    if rel in gone:
                        return None  # not found
                    if rel in files:
                        try:
                            data = (folder / rel).read_bytes()
                        except OSError:  # just moved into the preview
                            return super()._serve_request(environ, start_response)
                        if rel.endswith(".html"):
                            data = self._inject_js_into_html(data, self._visible_epoch)
                        start_response(
                            "200 OK", [("Content-Type", self._guess_type(rel)), ("Content-Length", str(len(data)))]
                        )
                        return [data]
            return super()._serve_request(environ, start_response)

        def _inject_js_into_html(self, content, epoch):
            try:
                body_end = content.rindex(b"</body>")
            except ValueError:
                body_end = len(content)
            return b"%b<script>%b</script>%b" % (content[:body_end], (OVERLAY_JS % epoch).encode(), content[body_end:])

    server = PortalServer(builder=rebuild, host=host, port=port, root=str(out))
    # a TERM that lands while serve() starts this thread can miss shutdown(): it must never keep a
    # terminated serve alive (it did, for good, after `timeout 60 portal serve` on a loaded machine)
    server.serve_thread.daemon = True
    try:  # the kernel's notifications (inotify) instead of walking every content file twice a second
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        if Observer is not PollingObserver:
            server.observer = Observer(timeout=0.2)
    except (ImportError, OSError):
        pass
    return server


IDLE_SECONDS = 5.0  # after the last save, the complete build (gates over all items, search, audit) runs
PENDING_NOTE = (
    "快速预览：已重新审查保存的条目并更新其页面和列表；站内搜索索引与全站审查（查重、附件、索引号、终审）"
    "将在停止保存 {idle:g} 秒后自动完成。"
)


BUSY_NOTE = (
    "快速预览：已重新审查保存的条目并更新其页面（完整构建正在后台进行，页面暂存，完成后自动并入）；"
    "站内搜索索引与全站审查将在停止保存 {idle:g} 秒后自动完成。"
)


def config_snapshot(paths) -> dict[str, int]:
    """path → mtime (ns) of every file under the config folder, the theme and mkdocs.yml."""
    out: dict[str, int] = {}
    for path in paths:
        if path.is_file():
            out[str(path)] = path.stat().st_mtime_ns
        elif path.is_dir():
            for folder, _dirs, names in os.walk(path):
                for name in names:
                    full = os.path.join(folder, name)
                    try:
                        out[full] = os.stat(full).st_mtime_ns
                    except OSError:
                        continue
    return out


def serve(
    content: Path,
    config_dir: Path,
    work: Path,
    mkdocs_file: Path,
    host: str,
    port: int,
    cms: bool = False,
    idle: float = IDLE_SECONDS,
) -> None:
    from pipeline import preview, serve_child
    from pipeline.publish import BuildLocked, build_lock, live_dir

    out = work / "preview"
    overlay = work / OVERLAY
    work.mkdir(parents=True, exist_ok=True)
    for old in [overlay, *work.glob("preview-pages*")]:  # a previous serve's
        shutil.rmtree(old, ignore_errors=True)
    editor = None
    if cms:
        from pipeline import cms_server

        try:
            editor = cms_server.Editor.start(content, config_dir, work, mkdocs_file, host, port)
        except cms_server.EditorError as exc:
            click.echo(f"无法启动网页编辑器：{exc}", err=True)
            raise SystemExit(1) from None
    watched = (config_dir, mkdocs_file.parent / "theme", mkdocs_file)
    state: dict = {
        "before": snapshot(content),
        "config": config_snapshot(watched),
        "first": True,
        "preview": None,  # preview.PreviewState of the preview on disk; None: the next save builds fully
        "pending": set(),  # files shown by the fast path whose complete build is still to come
        "last_save": 0.0,
        "confirm": False,
        "child": None,  # the complete build running (serve_child.Child) and what it was started with
        "done": None,  # its outcome and the state made from it, to be put in place by the build loop
        "overlaid": set(),  # files the fast path showed from the overlay while that build ran
        "again": False,  # a save while it ran needs a complete build of its own
    }
    lock = threading.Lock()
    holder: dict = {"overlay": (overlay, frozenset(), frozenset())}

    def publish_status(**status) -> None:
        server = holder.get("server")
        if server is not None:
            version = server.status.get("version", 0) + 1
            server.status = {"changed": [], "findings": [], "error": None, "note": "", **status, "version": version}

    def server_status() -> dict:
        server = holder.get("server")
        return server.status if server is not None else {}

    def show_overlay() -> None:
        st = state["preview"]
        d = st.deferred if st is not None else preview.Deferred()
        holder["overlay"] = (overlay, frozenset(d.files), frozenset(d.gone))

    def drop_overlay() -> None:
        if state["preview"] is not None:
            state["preview"].deferred = preview.Deferred()
        holder["overlay"] = (overlay, frozenset(), frozenset())
        shutil.rmtree(overlay, ignore_errors=True)

    def settle() -> list[str]:
        """Put the overlay's pages and the kept page record in place (the caller holds the build lock)."""
        st = state["preview"]
        if st is None:
            return []
        moved = preview.flush(st, overlay) if st.deferred else []
        preview.save_record(st)
        show_overlay()
        return moved

    def want_rebuild() -> None:
        server = holder.get("server")
        if server is not None:
            with server._rebuild_cond:
                server._want_rebuild = True
                server._rebuild_cond.notify_all()

    def start_full(
        saved: set[str], after: dict, config_after: dict, confirm: bool, started: float, background: bool = False
    ) -> None:
        """Start the complete build in a child process (:mod:`pipeline.serve_child`)."""
        if state["preview"] is not None:
            try:  # the next build reads the page record: it must be the kept one (a stale one only costs pages)
                with build_lock(work, wait=False):
                    settle()
            except BuildLocked:
                pass
        click.echo(f"完整构建预览（子进程）……{'保存的文件：' + '、'.join(sorted(saved)) if saved else ''}", err=True)
        child = serve_child.start(
            content, config_dir, work, mkdocs_file, out, saved, date.today(), background=background
        )
        info = {
            "saved": saved,
            "after": after,
            "config_after": config_after,
            "confirm": confirm,
            "started": started,
            "before": state["before"],
            "pending": state["pending"],
            "t0": time.perf_counter(),
        }
        state["child"], state["pending"], state["overlaid"] = (child, info), set(), set()
        if holder.get("server") is None:  # the first build: serve once it is done
            finish(child)
            install()
        else:
            threading.Thread(target=finish, args=(child,), daemon=True).start()

    def finish(child) -> None:
        """Wait for the child's outcome and make the fast path's state of the new preview (outside the
        lock: saves meanwhile are answered from the overlay), then ask the build loop to put it in place."""
        outcome = child.result()
        made, failure = None, ""
        if not outcome.error:
            try:
                made = preview.make_state(
                    outcome.publication, load_config(config_dir), content, work, live_dir(out), outcome.engine_config
                )
            except Exception as exc:  # noqa: BLE001 - the fast path is an optimisation; the full build stays correct
                failure = f"{type(exc).__name__}: {exc}"
        state["done"] = (outcome, made, failure)
        want_rebuild()

    def install() -> None:
        """The complete build's outcome: the new state, and the saves shown from the overlay applied to it."""
        (_child, info), (outcome, made, failure) = state["child"], state["done"]
        state["child"], state["done"] = None, None
        saved, started = info["saved"], info["started"]
        if outcome.error:
            for f in outcome.findings:
                click.echo("  " + f.text(), err=True)
            error = outcome.error + unsigned_note(outcome.findings)
            click.echo(f"预览构建失败：{error}；预览保持上一次的版本。", err=True)
            state["pending"] |= info["pending"]
            moved: list[str] = []
            if state["preview"] is not None and state["preview"].deferred:
                try:  # the saves shown from the overlay go into the preview the build left as it was
                    with build_lock(work, wait=False):
                        moved = settle()
                except BuildLocked:
                    pass
            publish_status(error=error, findings=[f.text() for f in outcome.findings][:50], changed=page_urls(moved))
            if editor:
                editor.save_status(outcome.findings, f"预览构建失败：{error}", started=started)
            return
        findings, pub, t = outcome.findings, outcome.publication, outcome.timings or {}
        if editor:
            editor.save_status(findings, "", published=[i.path for i in pub.published], started=started)
        if state["before"] is info["before"]:  # no save was shown meanwhile; only a good build moves the baseline
            state["before"] = info["after"]
        state["config"] = info["config_after"]
        mine = saved_findings(findings, saved)
        for f in mine if saved else findings:
            click.echo("  " + f.text(), err=True)
        click.echo(
            f"预览已更新{'（全站审查与搜索索引）' if info['confirm'] else ''}：发布 {len(pub.published)} 条；"
            f"渲染 {t.get('pages_rendered', 0)} 页、沿用 {t.get('pages_reused', 0)} 页，"
            f"用时 {t.get('total', 0):.1f} 秒（子进程 {time.perf_counter() - info['t0']:.1f} 秒）。"
            + (f" 保存的文件：{'、'.join(sorted(saved))}" if saved else ""),
            err=True,
        )
        old, state["preview"] = state["preview"], made
        if old is not None:
            shutil.rmtree(old.pages.scratch, ignore_errors=True)
        if failure:
            click.echo(f"（快速预览不可用，下次保存时完整构建：{failure}）", err=True)
        changed = page_urls(outcome.changed)
        again, state["overlaid"] = state["overlaid"], set()
        drop_overlay()  # the old state's; no page is served meanwhile (the build loop holds requests back)
        if again and made is not None:  # saved while the build ran: shown from the overlay, now applied
            if quick(again, started, state["before"], also=changed):
                return
        if again:
            state["pending"] |= again
            state["again"] = True
        publish_status(changed=changed, findings=[f.text() for f in mine][:50])

    def quick(saved: set[str], started: float, after: dict, also=()) -> bool:
        """The fast path; False when a full build must follow.  While a complete build holds the build
        lock, the pages go into the overlay (served in front of the preview) and nothing else is written."""
        t0 = time.perf_counter()
        st = state["preview"]
        try:
            config = load_config(config_dir)
            with contextlib.ExitStack() as stack:
                into = overlay
                if state["child"] is None:
                    try:
                        stack.enter_context(build_lock(work, wait=False))
                        into = None
                        if st.deferred:  # shown from the overlay while the lock was held: in place first
                            moved = page_urls(settle())
                            also = also if also == "*" else sorted(set(also) | set(moved))
                    except BuildLocked:
                        pass
                result = preview.quick_edit(
                    st,
                    saved,
                    content,
                    config,
                    build_mod.markdown_settings(mkdocs_file),
                    date.today(),
                    work / "upstream.sqlite",
                    overlay=into,
                )
        except Exception as exc:  # noqa: BLE001 - any surprise: the full build decides (fail closed)
            click.echo(f"（快速预览出错，改为完整构建：{type(exc).__name__}: {exc}）", err=True)
            state["preview"] = None
            return False
        if result.kind == preview.FULL:
            click.echo(f"（{result.reason}：完整构建预览）", err=True)
            if not result.intact:
                state["preview"] = None
            return False
        show(result.findings)
        lines = [f.text() for f in result.findings][:50]
        if result.kind == preview.BAD:
            blocked = blocking(result.findings)
            message = f"保存的文件有 {len(blocked)} 个错误（见上），新版本未发布到预览" + unsigned_note(blocked)
            click.echo(f"预览构建失败：{message}；预览保持上一次的版本。", err=True)
            publish_status(error=message, findings=lines)
            if editor:
                editor.save_status(result.findings, f"预览构建失败：{message}", started=started)
            return True
        for w in result.warnings:
            click.echo("  mkdocs: " + w, err=True)
        state["before"] = after
        state["pending"] |= saved
        if into is not None:
            state["overlaid"] |= saved
            show_overlay()
        state["last_save"] = time.monotonic()
        took = time.perf_counter() - t0
        click.echo(
            f"预览已更新（快速{'，完整构建进行中，页面暂存' if into is not None else ''}）："
            f"重新渲染 {len(result.changed)} 个文件，用时 {took:.2f} 秒"
            f"（审查 {result.seconds.get('gate', 0):.2f}、docs 树 {result.seconds.get('docs_tree', 0):.2f}、"
            f"mkdocs {result.seconds.get('mkdocs', 0):.2f}）。保存的文件：" + "、".join(sorted(saved)),
            err=True,
        )
        changed = "*" if also == "*" else sorted(set(page_urls(result.changed)) | set(also))
        if not changed and server_status().get("changed"):
            return True  # the same text saved again: the pages the last update named stay named
        publish_status(
            changed=changed,
            findings=lines + [f"mkdocs: {w}" for w in result.warnings][:10],
            note=(PENDING_NOTE if into is None else BUSY_NOTE).format(idle=idle),
        )
        if editor:
            editor.save_status(result.findings, "", published=[i.path for i in st.pub.published], started=started)
        return True

    def show(findings) -> None:
        for f in findings:
            click.echo("  " + f.text(), err=True)

    def rebuild() -> None:
        with lock:
            if state["done"] is not None:
                install()
            started = time.time()  # a file saved after this is not in this build (the editor says "rebuilding")
            after = snapshot(content)
            config_after = config_snapshot(watched)
            saved = set() if state["first"] else saved_since(state["before"], after)
            first, state["first"] = state["first"], False
            if saved:
                state["last_save"] = time.monotonic()  # the idle time counts from the end of this save's update
            wanted = first or saved or config_after != state["config"] or state["again"]
            if not wanted and not (state["confirm"] and state["pending"]):
                state["confirm"] = False
                return  # nothing of ours changed: the status (and its version) stays, so no page reloads again
            if saved and config_after == state["config"] and state["preview"] is not None:
                if quick(saved, started, after):
                    return
            if state["child"] is not None:  # a complete build runs: another follows it
                state["again"] = True
                return
            confirm, state["confirm"], state["again"] = state["confirm"], False, False
            background = confirm and not saved and config_after == state["config"]  # nobody waits for it
            start_full(saved | state["pending"], after, config_after, confirm, started, background)

    def idle_watch() -> None:
        """Once nothing was saved for ``idle`` seconds after a fast update, ask for the complete build."""
        while not holder.get("stop"):
            time.sleep(0.5)
            if not state["pending"] or state["confirm"] or state["child"] is not None or lock.locked():
                continue  # nothing to confirm, or a save is being shown (its update sets last_save when done)
            if time.monotonic() - state["last_save"] >= idle:
                state["confirm"] = True
                want_rebuild()

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # a terminated serve stops the child build (finally)
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    try:
        rebuild()
        server = make_server(out, host, port, rebuild, editor, lambda: holder["overlay"])
        holder["server"] = server
        for path in (content, *watched):
            if path.exists():
                server.watch(str(path))
        threading.Thread(target=idle_watch, daemon=True).start()
        click.echo(f"预览地址：http://{host}:{port}/ （Ctrl+C 结束）", err=True)
        if editor:
            click.echo(f"网页编辑器：http://{host}:{port}/admin/ （保存即写入 {content}/，预览随之更新）", err=True)
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            holder["stop"] = True
            server.shutdown()
    finally:
        running = state["child"]
        if running is not None:
            running[0].stop()
        try:  # what the fast path showed stays in the preview, and the record says so
            with build_lock(work, wait=False):
                settle()
        except (BuildLocked, OSError):
            pass
        if editor:
            editor.stop()
