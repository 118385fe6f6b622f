"""``portal serve``: live preview for editors.

Builds once into a private folder under the work directory, serves it on 127.0.0.1 with
mkdocs' live-reload server, and rebuilds the whole pipeline — not just mkdocs — when
anything under ``content/``, ``site_config/``, ``theme/`` or ``mkdocs.yml`` changes, so
the preview shows exactly what the gates let through.  Each rebuild takes the build lock on
the work folder like ``portal build`` (it waits while another build runs) and swaps the new
preview in whole, so the browser never sees a half-written site; a failed rebuild keeps the
last good preview.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline import build as build_mod
from pipeline.config import ConfigError, load_config
from pipeline.mkdocs_build import MkdocsError
from pipeline.publish import PublishError
from pipeline.search_index import SearchIndexError


def serve(content: Path, config_dir: Path, work: Path, mkdocs_file: Path, host: str, port: int) -> None:
    from mkdocs.livereload import LiveReloadServer

    out = work / "preview"

    def rebuild() -> None:
        try:
            config = load_config(config_dir)
            options = build_mod.BuildOptions(content=content, config_dir=config_dir, out=out, work=work, mkdocs_file=mkdocs_file,
                                             on_wait=lambda message: click.echo(message, err=True))
            result = build_mod.build(options, config)
        except build_mod.BuildFailed as exc:
            for f in exc.findings:
                click.echo("  " + f.text(), err=True)
            click.echo(f"预览构建失败：{exc}；预览保持上一次的版本。", err=True)
            return
        except (ConfigError, MkdocsError, SearchIndexError, PublishError) as exc:
            click.echo(f"预览构建失败：{exc}", err=True)
            return
        for f in result.findings:
            click.echo("  " + f.text(), err=True)
        click.echo(f"预览已更新：发布 {len(result.publication.published)} 条。", err=True)

    rebuild()
    server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(out))
    theme_dir = mkdocs_file.parent / "theme"
    for path in (content, config_dir, theme_dir, mkdocs_file):
        if path.exists():
            server.watch(str(path))
    click.echo(f"预览地址：http://{host}:{port}/ （Ctrl+C 结束）", err=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
