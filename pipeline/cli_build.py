"""``portal build``, ``serve``, ``cms-config``, ``audit`` and ``verify``: making, previewing and
checking the website.

Registered on the ``portal`` group by :mod:`pipeline.cli`.  A failed build says so in Chinese,
exits 1 and leaves the live site untouched.

Why one module: these five commands share their options (content, work, out, the checks of every
path before any work) and the one way a failure is said and exited; they stay here on purpose,
each a thin layer over :mod:`pipeline.build`, :mod:`pipeline.serve` and :mod:`pipeline.manifest`.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from pipeline import build as build_mod
from pipeline import publication
from pipeline.cli_common import (
    AS_OF,
    CONFIG,
    CONTENT,
    DB,
    JOBS,
    NEW_FILE,
    NEW_FOLDER,
    _load_config,
    _Seconds,
    _markdown_settings,
    _reference_date,
    _reference_text,
    _write_out,
)
from pipeline.config import ConfigError
from pipeline.findings import infrastructure_failures
from pipeline.mkdocs_build import MkdocsError
from pipeline.progress_bar import build_progress
from pipeline.search_index import SearchIndexError

# set by a command that has finished all its work and output: the ``portal`` script may then exit
# without freeing the heap object by object (:func:`pipeline.cli.run`)
HARD_EXIT = threading.Event()


@click.command()
@CONTENT
@CONFIG
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="网站输出目录（新网站先生成在它旁边的临时目录，最后整体替换）",
)
@click.option(
    "--work",
    type=NEW_FOLDER,
    default=Path(".portal"),
    show_default=True,
    help="工作目录（docs 树、审查报告，不公开）",
)
@click.option("--mkdocs", "mkdocs_file", type=NEW_FILE, default=Path("mkdocs.yml"), show_default=True)
@click.option("--strict", is_flag=True, help="有需要编辑修改的问题时构建失败（CI 使用）")
@DB
@AS_OF
@JOBS
@click.option("--no-wait", "no_wait", is_flag=True, help="另一个构建正在使用同一工作目录时不等待，直接退出（退出码 1）")
@click.option(
    "--sign-key",
    "sign_key",
    type=click.Path(path_type=Path),
    envvar="PORTAL_MANIFEST_KEY",
    default=None,
    help="部署签名私钥（ssh-keygen 格式）；给出时用它签名网站清单 portal-manifest.json（也可用环境变量 "
    "PORTAL_MANIFEST_KEY）",
)
@click.option(
    "--manifest-copy",
    "manifest_copy",
    type=click.Path(path_type=Path),
    default=None,
    help="把网站清单（及签名）另存一份到这个目录（网站目录之外，供 portal verify --manifest-from 使用）",
)
@click.option(
    "--no-incremental",
    "no_incremental",
    is_flag=True,
    help="重新生成每一个页面（默认只重新生成输入有变化的页面，其余沿用上一次发布的网站）",
)
def build(
    content: Path,
    config_dir: Path,
    out: Path,
    work: Path,
    mkdocs_file: Path,
    strict: bool,
    db: Path | None,
    as_of: str | None,
    jobs: int | None,
    no_wait: bool,
    sign_key: Path | None,
    manifest_copy: Path | None,
    no_incremental: bool = False,
) -> None:
    """生成门户网站到 site/。审查报告（每个不发布的条目、规则、行号、命中文字）写到 <work>/review.json。

    任何一环无法完成工作（保密审查出错、上级信息数据库或索引号台账无法使用……）时构建失败，
    退出码为 1，已发布的网站保持原样。"""
    from pipeline import publish

    config = _load_config(config_dir)
    reference, source = _reference_date(as_of, config)
    if sign_key is not None and not sign_key.is_file():
        click.echo(f"参数错误：部署签名密钥 {sign_key} 不存在（--sign-key 或 PORTAL_MANIFEST_KEY）", err=True)
        sys.exit(1)
    untouched = f"网站 {out}/ 保持上一次发布的版本，未作任何改动。"
    if not (content / "items").is_dir():  # the wrong folder (or one not mounted): never an empty portal swapped in
        click.echo(f"内容目录 {content} 下没有 items/ 文件夹，请检查 --content。{untouched}", err=True)
        sys.exit(1)
    markdown = _markdown_settings(mkdocs_file, required=True)
    # SIGTERM (systemd, CI cancelling a job) unwinds like Ctrl+C: the staging folder is removed
    # and the lock released; the live site is untouched either way (SIGKILL: the next build cleans up).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    try:
        with build_progress() as progress:
            options = build_mod.BuildOptions(
                content=content,
                config_dir=config_dir,
                out=out,
                work=work,
                mkdocs_file=mkdocs_file,
                strict=strict,
                upstream_db=db,
                as_of=reference,
                progress=progress,
                jobs=jobs,
                wait=not no_wait,
                on_wait=lambda message: click.echo(message, err=True),
                sign_key=sign_key,
                manifest_copy=manifest_copy,
                markdown=markdown,
                incremental=not no_incremental,
                skip_unchanged=not no_incremental,
            )
            result = build_mod.build(options, config)
    except publish.BuildLocked as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"构建已中断。{untouched}", err=True)
        sys.exit(130)
    except build_mod.BuildFailed as exc:
        for f in exc.findings:
            click.echo("  " + f.text(), err=True)
        click.echo(f"构建失败：{exc}。{untouched}", err=True)
        _log_failure(work, exc)
        sys.exit(1)
    except (MkdocsError, SearchIndexError, publish.PublishError, publication.HistoryUnavailable) as exc:
        click.echo(f"网站生成失败：{exc}。{untouched}", err=True)
        sys.exit(1)
    _report_build(result, out)
    for note in result.report().notes:
        click.echo(f"说明：{note}", err=True)
    click.echo(f"审查报告：{work / 'review.json'}；{_reference_text(reference, source)}", err=True)
    HARD_EXIT.set()


def _log_failure(work: Path, exc: BaseException) -> None:
    """The traceback of an unexpected failure, for developers, in ``<work>/build-error.log``
    (the editor sees the Chinese message only)."""
    if exc.__cause__ is None:
        return
    import traceback

    try:
        work.mkdir(parents=True, exist_ok=True)
        text = "".join(traceback.format_exception(exc.__cause__))
        (work / "build-error.log").write_text(text, encoding="utf-8")
        click.echo(f"（技术细节已写入 {work / 'build-error.log'}）", err=True)
    except OSError:
        pass


def _report_build(result: build_mod.BuildResult, out: Path) -> None:
    summary = result.report()
    for warning in summary.warnings:
        click.echo(f"mkdocs 警告：{warning}", err=True)
    if summary.withheld or summary.findings:
        click.echo("以下条目未发布或有问题：", err=True)
        for text in summary.findings:
            click.echo("  " + text, err=True)
    if summary.withheld:
        click.echo(f"未发布的条目（{len(summary.withheld)} 条）：", err=True)
        for path, rules, declared in summary.withheld:
            click.echo(f"  {path} [{rules}]{'（按声明不发布）' if declared else ''}", err=True)
    t = result.timings
    if result.unchanged:
        click.echo(
            f"内容、配置、主题和程序与上一次构建相同，线上网站 {out}/ 逐个文件核对无误，无需重新生成"
            f"（已发布 {summary.published} 条信息，共 {summary.files} 个条目文件），用时 {t.get('total', 0):.1f} 秒。",
            err=True,
        )
        return
    click.echo(
        f"已发布 {summary.published} 条信息（共 {summary.files} 个条目文件，不发布 "
        f"{summary.files - summary.published} 个），生成 {summary.docs_files} 个文件到 {out}/（渲染 "
        f"{t.get('pages_rendered', 0)} 页，沿用上次 {t.get('pages_reused', 0)} 页），用时 {t.get('total', 0):.1f} 秒。",
        err=True,
    )


@click.command()
@CONTENT
@CONFIG
@click.option("--work", type=NEW_FOLDER, default=Path(".portal"), show_default=True)
@click.option("--mkdocs", "mkdocs_file", type=NEW_FILE, default=Path("mkdocs.yml"), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--cms",
    is_flag=True,
    help="同时在 /admin/ 提供网页编辑器（Decap CMS，本地后端直接写 content/；需先 make cms-deps）",
)
@click.option(
    "--idle",
    type=_Seconds(),
    default=5.0,
    show_default=True,
    help="快速预览后，停止保存多少秒再做全站审查与站内搜索索引",
)
def serve(
    content: Path, config_dir: Path, work: Path, mkdocs_file: Path, host: str, port: int, cms: bool, idle: float
) -> None:
    """本地实时预览：保存一条信息后只重新审查、渲染它的页面和列表（约一秒），停止保存后再完整构建。"""
    from pipeline.serve import serve as run_server

    run_server(content, config_dir, work, mkdocs_file, host, port, cms=cms, idle=idle)


@click.command("cms-config")
@CONTENT
@CONFIG
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="写到此文件（例如 admin/config.yml）；默认打印"
)
@click.option(
    "--admin",
    "admin_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="生成完整的编辑器目录（index.html、config.yml、portal-cms.js、decap/），放到内网静态服务器上；"
    "不能在网站输出目录里",
)
def cms_config(content: Path, config_dir: Path, out: Path | None, admin_dir: Path | None) -> None:
    """由 site_config/ 生成网页编辑器（Decap CMS）的 config.yml：每个子站一个集合，栏目等为下拉选项。

    git 托管平台取自 portal.yaml 的 cms（github | gitlab | gitea），新信息走 草稿 → 待审 → 可发布 的审核流程。
    """
    from pipeline.cms import config_text

    config = _load_config(config_dir)
    try:
        text = config_text(config, content.as_posix())
    except ConfigError as exc:
        click.echo(f"配置错误：{exc}", err=True)
        sys.exit(1)
    if admin_dir is not None:
        from pipeline.cms import CmsError, write_admin

        try:
            write_admin(config, text, admin_dir)
        except CmsError as exc:
            click.echo(f"无法生成编辑器目录：{exc}", err=True)
            sys.exit(1)
        click.echo(f"已生成编辑器目录 {admin_dir}（{len(config.sites)} 个子站）", err=True)
        return
    if out is None:
        click.echo(text, nl=False)
        return
    _write_out(out, text)
    click.echo(f"已生成 {out}（{len(config.sites)} 个子站）", err=True)


@click.command("audit")
@click.argument("site", type=click.Path(path_type=Path))
@CONTENT
@CONFIG
@click.option(
    "--work",
    type=NEW_FOLDER,
    default=Path(".portal"),
    show_default=True,
    help="工作目录（缓存；查重数据库默认在此）",
)
@DB
@JOBS
def audit_cmd(site: Path, content: Path, config_dir: Path, work: Path, db: Path | None, jobs: int | None) -> None:
    """上线前终审：用保密审查的扫描器检查一个已生成的网站目录 SITE 的每个文件。

    页面文字和属性、RSS/Atom、sitemap、解压后的搜索索引、JSON/CSV 和附件内容中的密级标志、个人信息、敏感词，
    以及未发布条目（按 --content 审查得出）的标题、网址、正文片段和附件。逐个列出“文件：[规则] 命中的文字”；
    有任何命中时退出码为 1。portal build 在替换网站目录之前自动做同样的检查。
    """
    from pipeline import audit

    config = _load_config(config_dir)
    if not site.is_dir():
        click.echo(f"参数错误：{site} 不是目录", err=True)
        sys.exit(1)
    if not content.is_dir():
        click.echo(f"参数错误：内容目录 {content} 不存在（未发布条目从这里审查得出）", err=True)
        sys.exit(1)
    try:
        pub = publication.run(
            content,
            config,
            upstream_db=db or work / "upstream.sqlite",
            cache_dir=work / "cache",
            jobs=jobs,
            upstream_read_only=True,
        )
        failed = infrastructure_failures(pub.findings)
        if failed:
            for f in failed:
                click.echo("  " + f.text(), err=True)
            click.echo("终审无法完成：未发布条目无法确定（见上）。", err=True)
            sys.exit(1)
        report = audit.run_audit(site, pub, config, jobs)
    except audit.AuditError as exc:
        click.echo(f"终审无法完成：{exc}", err=True)
        sys.exit(1)
    for hit in report.hits:
        click.echo(hit.text())
    click.echo(audit.audit_summary(report), err=True)
    sys.exit(1 if report.hits else 0)


@click.command("verify")
@click.argument("target")
@click.option(
    "--allowed-signers",
    type=click.Path(path_type=Path),
    default=None,
    help="允许的部署签名者文件（ssh-keygen 的 allowed_signers 格式）；给出时先验证清单签名，签名不符即失败",
)
@click.option(
    "--manifest-from",
    type=click.Path(path_type=Path),
    default=None,
    help="从这个可信目录读取清单（默认读取被检查网站根目录中的 portal-manifest.json）",
)
@click.option(
    "--restore",
    "trusted",
    type=click.Path(path_type=Path),
    default=None,
    help="发现差异时，从这个可信副本（构建输出）恢复被改动和缺失的文件，并删除多出的文件",
)
@click.option(
    "--site",
    "site_url",
    default=None,
    help="清单须写明的网站地址（portal.yaml 的 site_url）；不符即失败：同一部署密钥签名的另一个网站不能冒充本站",
)
@click.option("--sample", type=click.IntRange(min=1), default=None, help="按网址检查时只抽查这么多个文件（默认全部）")
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="按网址检查时的并发请求数")
def verify_cmd(
    target: str,
    allowed_signers: Path | None,
    manifest_from: Path | None,
    trusted: Path | None,
    site_url: str | None,
    sample: int | None,
    workers: int,
) -> None:
    """防篡改：对照构建时生成的网站清单（portal-manifest.json）检查已部署的网站。

    TARGET 是网站根目录（可由 cron 定时运行）或网址（http://…，抽查或全部下载比对）。
    列出被改动、缺失和多出的文件；有任何差异时退出码为 1。
    """
    from pipeline import manifest

    try:
        if target.startswith(("http://", "https://")):
            files, signer = manifest.fetch_manifest(target, allowed_signers, site=site_url)
            difference = manifest.compare_url(target, files, sample, workers)
        else:
            root = Path(target)
            if not root.is_dir():
                click.echo(f"参数错误：{root} 不是目录", err=True)
                sys.exit(1)
            files, signer = manifest.load(manifest_from or root, allowed_signers, site_url)
            difference = manifest.compare(root, files)
    except manifest.ManifestError as exc:
        click.echo(f"网站清单错误：{exc}", err=True)
        sys.exit(1)
    click.echo(
        f"清单签名有效（签名者 {signer}）。" if signer else "未验证清单签名（加 --allowed-signers 验证）。", err=True
    )
    for label, paths in (("被改动", difference.modified), ("缺失", difference.missing), ("多出", difference.extra)):
        for rel in paths:
            click.echo(f"{label}：{rel}")
    for rel, reason in difference.unreachable:
        click.echo(f"无法取得：{rel}（{reason}）")
    summary = (
        f"检查 {difference.checked} 个文件：被改动 {len(difference.modified)} 个，缺失 {len(difference.missing)} 个，"
        f"多出 {len(difference.extra)} 个"
        + (f"，无法取得 {len(difference.unreachable)} 个" if difference.unreachable else "")
        + "。"
    )
    click.echo(summary, err=True)
    if difference.clean:
        return
    if trusted is not None and not target.startswith(("http://", "https://")):
        try:
            changed = manifest.restore(Path(target), files, trusted, difference)
        except manifest.ManifestError as exc:
            click.echo(f"恢复失败：{exc}", err=True)
            sys.exit(1)
        click.echo(f"已从 {trusted} 恢复 {len(changed)} 处。", err=True)
    sys.exit(1)
