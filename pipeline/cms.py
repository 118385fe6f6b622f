"""网页编辑器（issue 13 §2、§3）: the Decap CMS configuration, made from ``site_config/``.

``portal cms-config`` writes it for production (the git host named in ``portal.yaml`` ``cms``,
editorial workflow: a new item is a draft → 待审 → 可发布 change request reviewed in the git
host before it reaches main); ``portal serve --cms`` makes the local one (decap-server on
loopback, files written straight into ``content/``).  Both come from :func:`decap_config`, so the
editor's choices can never drift from the configuration the pipeline checks against:

- one collection per sub-site, folder ``content/items/<site>``, files ``<year>/<date>-<slug>.md``
  named by ``portal new``'s rule (computed in the browser by ``cms/portal-slug.mjs``);
- 栏目 a select of that sub-site's columns only, 信息类型 / 公开方式 selects of the item
  contract's values, 涉密 a boolean, channels a multi-select, 主题分类 / 体裁分类 selects when
  ``portal.yaml`` ``cms`` lists values (free text otherwise);
- required exactly where :mod:`pipeline.load` requires a key (title, date, site, column, author);
- attachments uploaded to ``content/files/`` and linked as ``files/…`` (what ``attachments:``
  takes); Chinese UI.

It also turns an unsaved entry of the editor into an item file and runs ``portal check`` on it
(:func:`check_draft`), so the preview shows an editor the same findings before saving.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import Config, ConfigError, CmsSettings
from pipeline.load import KNOWN_KEYS, REQUIRED, SLUG_RE, parse_date
from pipeline.model import DISCLOSURES, KINDS

DATE_FORMAT = "YYYY-MM-DD HH:mm"  # dayjs; pipeline.load reads it as Beijing time (portal time zone)
# The project's file name (pipeline.new_item: <date>-<slug_for(title)>) needs a SHA-1, which Decap's
# templates cannot compute: cms/portal-format.js computes it before saving into the transient
# fields _slug and _year, which these templates use and its format "portal-frontmatter" never
# writes.  Decap appends -1, -2 … when a name is taken.
SLUG_TEMPLATE = "{{fields._slug}}"
PATH_TEMPLATE = "{{_year}}/{{slug}}"  # Decap lower-cases a path template and turns "." into "-": no fields. here
FORMAT = "portal-frontmatter"
ASSETS = ("portal-cms.js", "portal-format.js", "portal-slug.mjs", "portal-frontmatter.mjs")  # cms/, served beside Decap
CMS_DIR = Path(__file__).resolve().parent.parent / "cms"  # package.json; node_modules after make cms-deps


def _options(values: tuple[str, ...]) -> list[str]:
    return list(values)


def _choice(name: str, label: str, values: tuple[str, ...], hint: str) -> dict:
    """A select of ``values`` when the configuration lists any, else free text."""
    if values:
        return {
            "name": name,
            "label": label,
            "widget": "select",
            "options": _options(values),
            "required": False,
            "hint": hint,
        }
    return {"name": name, "label": label, "widget": "string", "required": False, "hint": hint}


def fields_for(config: Config, site_id: str) -> list[dict]:
    """The editor's fields for one sub-site, in the order of ``portal new``'s skeleton."""
    site = config.site_by_id[site_id]
    settings: CmsSettings = config.portal.cms or CmsSettings()
    reviewers = [r.name for r in config.review.reviewers if r.may_approve(site_id)]
    required = set(REQUIRED)

    def need(name: str) -> bool:
        return name in required

    fields: list[dict] = [
        {"name": "title", "label": "标题", "widget": "string", "required": need("title")},
        {
            "name": "date",
            "label": "发布日期",
            "widget": "datetime",
            "required": need("date"),
            "format": DATE_FORMAT,
            "date_format": "YYYY-MM-DD",
            "time_format": "HH:mm",
            "picker_utc": False,
            "hint": "北京时间；正式发布时改为发布当天",
        },
        {"name": "site", "label": "子站", "widget": "hidden", "default": site.id, "required": need("site")},
        {
            "name": "column",
            "label": "栏目",
            "widget": "select",
            "required": need("column"),
            "options": [{"label": config.column_by_id[c].name, "value": c} for c in site.columns],
        },
        {"name": "author", "label": "信息员", "widget": "string", "required": need("author")},
        {
            "name": "kind",
            "label": "信息类型",
            "widget": "select",
            "options": list(KINDS),
            "default": "信息",
            "required": False,
            "hint": "调研不少于 3000 字",
        },
        {
            "name": "reviewer",
            "label": "审签人",
            "widget": "string",
            "required": False,
            "hint": "审签领导审核后填写；没有审签人的条目不会发布"
            + (f"。本子站的审签人：{'、'.join(reviewers)}" if reviewers else ""),
        },
        {
            "name": "disclosure",
            "label": "公开方式",
            "widget": "select",
            "options": list(DISCLOSURES),
            "default": DISCLOSURES[0],
            "required": False,
        },
        {
            "name": "classified",
            "label": "涉密",
            "widget": "boolean",
            "default": False,
            "required": False,
            "hint": "涉密信息永不发布",
        },
        {
            "name": "channels",
            "label": "发布渠道",
            "widget": "select",
            "multiple": True,
            "options": _options(settings.channels),
            "default": [settings.channels[0]],
            "required": False,
            "hint": "同时发布的渠道；多个渠道只计 1 条",
        },
        {
            "name": "doc_number",
            "label": "文号",
            "widget": "string",
            "required": False,
            "hint": "例如 江商发〔2026〕1号",
        },
        _choice("topic", "主题分类", settings.topics, "主题分类"),
        _choice("genre", "体裁分类", settings.genres, "体裁分类"),
        {"name": "summary", "label": "内容概述", "widget": "text", "required": False},
        {"name": "tags", "label": "关键词", "widget": "list", "required": False, "default": []},
        {
            "name": "attachments",
            "label": "附件",
            "widget": "list",
            "required": False,
            "default": [],
            "summary": "{{fields.name}}",
            "fields": [
                {"name": "name", "label": "显示名", "widget": "string", "required": True},
                {"name": "file", "label": "文件", "widget": "file", "required": True, "choose_url": False},
            ],
        },
        {"name": "body", "label": "正文", "widget": "markdown", "required": True, "hint": "每条不少于 200 字"},
    ]
    unknown = {f["name"] for f in fields} - set(KNOWN_KEYS) - {"body"}
    assert not unknown, unknown  # every field is a key of the item contract
    assert tuple(f["name"] for f in fields if f["name"] != "body") == FIELD_ORDER
    return fields


def decap_config(config: Config, content: str = "content", *, local: bool = False) -> dict:
    """The Decap CMS configuration.  ``content``: the content folder relative to the repository
    root; ``local``: the local backend (``portal serve --cms``), else the git host of
    ``portal.yaml`` ``cms``.  Locally decap-server serves the content folder itself — it writes
    whatever path the page (or any local process: it has no login) names, within the folder it
    serves, so that folder is ``content/``, never the project with ``site_config/`` and ``.git/``
    — and the paths are relative to it (``items/<site>``, ``files``)."""
    settings: CmsSettings = config.portal.cms or CmsSettings()
    base = "" if local else f"{content.strip('/') or 'content'}/"
    out: dict[str, Any] = {"locale": "zh_Hans"}
    if local:
        out["backend"] = {"name": "proxy", "proxy_url": "", "branch": settings.branch}  # proxy_url set by serve
    else:
        out["backend"] = backend(settings)
        if settings.backend != "gitea":
            out["publish_mode"] = "editorial_workflow"
    out["media_folder"] = f"{base}files"
    out["public_folder"] = "files"
    out["slug"] = {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"}
    collections = []
    for site in config.sites:
        collections.append(
            {
                "name": site.id,
                "label": site.name,
                "label_singular": "信息",
                "description": f"{site.name}（{site.kind}）的信息条目：content/items/{site.id}/",
                "folder": f"{base}items/{site.id}",
                "path": PATH_TEMPLATE,
                "slug": SLUG_TEMPLATE,
                "extension": "md",
                # with a nested ``path`` Decap would put uploads beside the entry; /… is from the repository root
                "media_folder": f"/{base}files",
                "public_folder": "files",
                "format": FORMAT,
                "create": True,
                "delete": False,
                "summary": "{{date | date('YYYY-MM-DD')}} {{title}}",
                "sortable_fields": ["date", "title", "column"],
                "fields": fields_for(config, site.id),
            }
        )
    out["collections"] = collections
    return out


def backend(settings: CmsSettings) -> dict:
    """The ``backend`` section for the production git host."""
    if not settings.backend:
        raise ConfigError(
            "portal.yaml",
            "没有设置网页编辑器的 git 托管平台：在 portal.yaml 的 cms 中填写 backend（github | gitlab | gitea）和 repo",
        )
    base = settings.base_url.rstrip("/")
    out: dict[str, Any] = {"name": settings.backend, "repo": settings.repo, "branch": settings.branch}
    if settings.backend == "github":
        if base:
            out["base_url"] = base  # the OAuth server that hands the editor a token
    elif settings.backend == "gitlab":
        out.update({"auth_type": "pkce", "app_id": settings.app_id})
        if base:
            out.update({"base_url": base, "api_root": f"{base}/api/v4", "auth_endpoint": "oauth/authorize"})
    else:  # gitea: Decap has no editorial workflow; it commits to review_branch, merged by pull request
        out["branch"] = settings.review_branch
        out["app_id"] = settings.app_id
        if base:
            out.update({"base_url": base, "api_root": f"{base}/api/v1"})
    return out


def config_text(config: Config, content: str = "content", *, local: bool = False, proxy_url: str = "") -> str:
    data = decap_config(config, content, local=local)
    if local:
        data["backend"]["proxy_url"] = proxy_url
    head = (
        "# 由 portal cms-config 从 site_config/ 生成，请勿手改：改 site_config/ 后重新生成。\n"
        "# 网页编辑器（Decap CMS）的配置；portal serve --cms 另行生成本地用的配置。\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)


ADMIN_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} · 网页编辑器</title>
</head>
<body>
<script>window.CMS_MANUAL_INIT = true; window.PORTAL_COLLECTIONS = {collections};</script>
<script src="decap/decap-cms.js"></script>
<script src="portal-cms.js"></script>
<script type="module" src="portal-format.js"></script>
</body>
</html>
"""


def admin_html(config: Config) -> str:
    from html import escape

    import json

    names = json.dumps([s.id for s in config.sites]).replace("<", "\\u003c")
    return ADMIN_HTML.format(title=escape(config.portal.name), collections=names)


class CmsError(Exception):
    """The editor folder cannot be written; ``str()`` says why, in Chinese."""


def write_admin(config: Config, config_yml: str, target: Path, cms_dir: Path | None = None) -> None:
    """The production editor as a static folder: index.html, config.yml, portal-cms.js and
    Decap's files under decap/.  Refuses a folder inside a built site (the editor is never
    part of the portal) and a missing install."""
    cms_dir = cms_dir or CMS_DIR
    dist = cms_dir / "node_modules" / "decap-cms" / "dist"
    if not (dist / "decap-cms.js").is_file() or not (cms_dir / "node_modules" / "yaml" / "browser" / "dist").is_dir():
        raise CmsError(f"没有安装 Decap CMS（{dist}）：请运行 make cms-deps")
    resolved = target.resolve()
    for parent in (resolved, *resolved.parents):
        if (parent / "portal-manifest.json").is_file() or parent.name == "site":
            raise CmsError(f"{target} 在网站输出目录里；编辑器不能随网站发布，请放到单独的目录")
    target.mkdir(parents=True, exist_ok=True)
    (target / "index.html").write_text(admin_html(config), encoding="utf-8")
    (target / "config.yml").write_text(config_yml, encoding="utf-8")
    for name in ASSETS:
        shutil.copyfile(CMS_DIR / name, target / name)
    yaml_dist = cms_dir / "node_modules" / "yaml" / "browser" / "dist"
    (target / "yaml").mkdir(exist_ok=True)
    for file in yaml_dist.iterdir():
        if file.is_file():
            shutil.copyfile(file, target / "yaml" / file.name)
    decap = target / "decap"
    decap.mkdir(exist_ok=True)
    for file in dist.iterdir():
        if file.is_file() and not file.name.endswith(".map"):
            shutil.copyfile(file, decap / file.name)


# ------------------------------------------------------------------------------------------
# §3: the same checks where editors are


FIELD_ORDER = (
    "title",
    "date",
    "site",
    "column",
    "author",
    "kind",
    "reviewer",
    "disclosure",
    "classified",
    "channels",
    "doc_number",
    "topic",
    "genre",
    "summary",
    "tags",
    "attachments",
)


def draft_text(data: dict) -> str:
    """An editor's unsaved entry (the CMS's field values) as an item file."""
    order = {name: n for n, name in enumerate(FIELD_ORDER)}  # the editor writes keys in its field order: same lines
    meta = {
        k: data[k]
        for k in sorted(data, key=lambda k: (order.get(k, len(order)), str(k)))
        if k != "body" and data[k] not in (None, "", [], {})
    }
    body = data.get("body") or ""
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) if meta else ""
    return f"---\n{head}---\n{body if isinstance(body, str) else ''}\n"


def draft_path(config: Config, site: str, data: dict, slug: str | None) -> str:
    """Where the draft would sit, relative to the content folder (for its findings)."""
    try:
        year = parse_date(data.get("date"), config.portal.tz).year
    except ValueError:
        year = datetime.now(config.portal.tz).year
    name = slug.rsplit("/", 1)[-1] if isinstance(slug, str) else ""
    if not SLUG_RE.match(name):
        name = "draft-item"
    return f"items/{site}/{year}/{name}.md"


def check_draft(
    content: Path,
    config: Config,
    site: str,
    data: dict,
    slug: str | None = None,
    upstream_db: Path | None = None,
    markdown=None,
) -> tuple[str, list[dict]]:
    """``portal check`` on one unsaved entry, alone in a scratch content folder (attachments
    are looked up in the real ``content/files/``).  Returns its path and its findings as
    ``portal check --format json`` prints them.  Checks across items (duplicates among the
    portal's own items, 索引号) come with the next preview build, after saving."""
    from pipeline.checking import check_content
    from pipeline.findings import error
    from pipeline.publication import HistoryUnavailable

    if site not in config.site_by_id:
        rel = f"items/{site}/draft-item.md"
        return rel, [error(rel, "unknown-site", f"子站 “{site}” 不存在").to_dict()]
    rel = draft_path(config, site, data, slug)
    with tempfile.TemporaryDirectory(prefix="portal-cms-") as scratch:
        root = Path(scratch)
        target = root / rel
        target.parent.mkdir(parents=True)
        target.write_text(draft_text(data), encoding="utf-8")
        files = content / "files"
        if files.is_dir():
            (root / "files").symlink_to(files.resolve(), target_is_directory=True)
        try:
            checked = check_content(root, config, upstream_db=upstream_db, reference=None, jobs=1, markdown=markdown)
        except HistoryUnavailable as exc:
            return rel, [error(rel, "history", f"检查失败：{exc}").to_dict()]
    # an attachment chosen in the editor is uploaded when the entry is saved: not missing yet
    return rel, [f.to_dict() for f in checked.findings if f.path == rel and f.rule != "missing-attachment"]
