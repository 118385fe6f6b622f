"""``portal serve``: live preview for editors.

Builds once into a private folder under the work directory, serves it on 127.0.0.1 with
mkdocs' live-reload server, and rebuilds the whole pipeline — not just mkdocs — when
anything under ``content/``, ``site_config/``, ``theme/`` or ``mkdocs.yml`` changes, so
the preview shows exactly what the gates let through.  Each rebuild takes the build lock on
the work folder like ``portal build`` (it waits while another build runs) and swaps the new
preview in whole, so the browser never sees a half-written site; a failed rebuild keeps the
last good preview.

With ``--cms`` it also serves the web editor (Decap CMS, issue 13 §2) at ``/admin/`` from the
local ``cms/node_modules`` — never from a CDN, and never into ``site/`` — with decap-server
started on loopback as the local backend (writing into ``content/``; stopped on exit, and
killed with this process).  ``POST /admin/check`` runs ``portal check`` on the entry being
edited and returns its findings with those of the last preview build (§3).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from pipeline import build as build_mod
from pipeline.config import ConfigError, load_config
from pipeline.mkdocs_build import MkdocsError
from pipeline.publish import PublishError
from pipeline.search_index import SearchIndexError


def serve(content: Path, config_dir: Path, work: Path, mkdocs_file: Path, host: str, port: int, cms: bool = False) -> None:
    from mkdocs.livereload import LiveReloadServer

    out = work / "preview"
    editor = None
    if cms:
        from pipeline import cms_server

        try:
            editor = cms_server.Editor.start(content, config_dir, work, mkdocs_file, host, port)
        except cms_server.EditorError as exc:
            click.echo(f"无法启动网页编辑器：{exc}", err=True)
            raise SystemExit(1) from None

    def rebuild() -> None:
        started = time.time()  # a file saved after this is not in this build (the editor says "rebuilding")
        try:
            config = load_config(config_dir)
            options = build_mod.BuildOptions(content=content, config_dir=config_dir, out=out, work=work, mkdocs_file=mkdocs_file,
                                             on_wait=lambda message: click.echo(message, err=True))
            result = build_mod.build(options, config)
        except build_mod.BuildFailed as exc:
            for f in exc.findings:
                click.echo("  " + f.text(), err=True)
            click.echo(f"预览构建失败：{exc}；预览保持上一次的版本。", err=True)
            if editor:
                editor.save_status(exc.findings, f"预览构建失败：{exc}", started=started)
            return
        except (ConfigError, MkdocsError, SearchIndexError, PublishError) as exc:
            click.echo(f"预览构建失败：{exc}", err=True)
            return
        for f in result.findings:
            click.echo("  " + f.text(), err=True)
        if editor:
            editor.save_status(result.findings, "", published=[i.path for i in result.publication.published], started=started)
        click.echo(f"预览已更新：发布 {len(result.publication.published)} 条。", err=True)

    rebuild()
    if editor:
        server = cms_server.make_server(editor, builder=rebuild, host=host, port=port, root=str(out))
    else:
        server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(out))
    theme_dir = mkdocs_file.parent / "theme"
    for path in (content, config_dir, theme_dir, mkdocs_file):
        if path.exists():
            server.watch(str(path))
    click.echo(f"预览地址：http://{host}:{port}/ （Ctrl+C 结束）", err=True)
    if editor:
        click.echo(f"网页编辑器：http://{host}:{port}/admin/ （保存即写入 {content}/，预览随之更新）", err=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        if editor:
            editor.stop()
