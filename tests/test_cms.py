"""The web editor's configuration (issue 13 §2) and the checks it shows (§3), without a browser.

``portal cms-config`` must follow ``site_config/``: one collection per sub-site writing to
``content/items/<site>/{{year}}/``, only that sub-site's columns in its 栏目 select, the item
contract's values in the other selects, required exactly where ``pipeline.load`` requires a
key.  The browser path (create, save, review, preview) is in tests/test_browser_cms.py.
"""

from __future__ import annotations

import http.client
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

import cms_serve
from helpers import ROOT, run_portal
from pipeline import cms
from pipeline.config import ConfigError, load_config
from pipeline.load import KNOWN_KEYS, REQUIRED, load_items
from pipeline.model import DISCLOSURES, KINDS


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "site_config")


@pytest.fixture()
def config_dir(tmp_path) -> Path:
    target = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", target)
    return target


def _set_cms(config_dir: Path, cms_section: dict | None) -> None:
    path = config_dir / "portal.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if cms_section is None:
        data.pop("cms", None)
    else:
        data["cms"] = cms_section
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _fields(collection: dict) -> dict[str, dict]:
    return {f["name"]: f for f in collection["fields"]}


def test_one_collection_per_sub_site_writing_to_its_items_folder(config):
    generated = cms.decap_config(config)
    collections = generated["collections"]
    assert [c["name"] for c in collections] == [s.id for s in config.sites]
    for collection, site in zip(collections, config.sites):
        assert collection["label"] == site.name
        assert collection["folder"] == f"content/items/{site.id}"
        assert (collection["path"], collection["slug"]) == ("{{_year}}/{{slug}}", "{{fields._slug}}")
        assert collection["format"] == "portal-frontmatter" and collection["extension"] == "md"
        assert (collection["media_folder"], collection["public_folder"]) == ("/content/files", "files")
        fields = _fields(collection)
        assert fields["site"] == {
            "name": "site",
            "label": "子站",
            "widget": "hidden",
            "default": site.id,
            "required": True,
        }


def test_column_select_offers_only_the_sub_sites_columns(config):
    for collection in cms.decap_config(config)["collections"]:
        site = config.site_by_id[collection["name"]]
        column = _fields(collection)["column"]
        assert column["widget"] == "select" and column["required"] is True
        assert [o["value"] for o in column["options"]] == list(site.columns)
        assert [o["label"] for o in column["options"]] == [config.column_by_id[c].name for c in site.columns]
    county = next(c for c in cms.decap_config(config)["collections"] if c["name"] == "donghu")
    assert "news" not in [
        o["value"] for o in _fields(county)["column"]["options"]
    ]  # 商务动态 is the city's, not a county's


def test_required_fields_are_the_item_contracts(config):
    for collection in cms.decap_config(config)["collections"]:
        fields = _fields(collection)
        required = {name for name, f in fields.items() if f.get("required")}
        assert required == set(REQUIRED) | {"body"}
        assert set(fields) - {"body"} <= set(KNOWN_KEYS)  # nothing the loader would refuse as unknown-key
        assert fields["kind"]["options"] == list(KINDS) and fields["kind"]["default"] == "信息"
        assert fields["disclosure"]["options"] == list(DISCLOSURES) and fields["disclosure"]["default"] == "主动公开"
        assert fields["classified"]["widget"] == "boolean" and fields["classified"]["default"] is False
        assert fields["channels"]["widget"] == "select" and fields["channels"]["multiple"] is True
        assert fields["channels"]["options"] == list(config.portal.cms.channels)
        attachment = {f["name"]: f for f in fields["attachments"]["fields"]}
        assert attachment["file"]["widget"] == "file" and attachment["name"]["required"] is True


def test_attachments_go_to_content_files_and_ui_is_chinese(config):
    generated = cms.decap_config(config)
    assert generated["media_folder"] == "content/files" and generated["public_folder"] == "files"
    assert generated["locale"] == "zh_Hans"
    assert generated["slug"]["encoding"] == "ascii"


TITLES = (
    "东湖区召开外贸企业座谈会",
    "Q1 外贸 report",
    "2026年 Q3",
    "Canton Fair 第138届 Jianglin delegation results summary extra",
    "  ab ",
    "RCEP政策解读",
    "",
    "çà et là café",
)


def test_browser_slug_is_portal_news_slug():
    """cms/portal-slug.mjs (run before saving) gives the names pipeline.new_item.slug_for gives."""
    import subprocess

    from pipeline.new_item import slug_for

    node = shutil.which("node")
    if not node:
        pytest.skip("没有 node")
    script = (
        "const { slugFor } = await import(process.argv[1]);"
        "const titles = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(await Promise.all(titles.map((t) => slugFor(t.trim())))));"
    )
    done = subprocess.run(
        [
            node,
            "--input-type=module",
            "-e",
            script,
            (cms.CMS_DIR / "portal-slug.mjs").as_uri(),
            json.dumps(TITLES, ensure_ascii=False),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [slug_for(t.strip()) for t in TITLES]


def test_production_config_uses_the_git_host_and_editorial_workflow(config):
    generated = cms.decap_config(config)
    assert generated["publish_mode"] == "editorial_workflow"
    assert generated["backend"]["name"] == config.portal.cms.backend == "gitlab"
    assert generated["backend"]["repo"] == "swj/portal" and generated["backend"]["branch"] == "main"
    assert generated["backend"]["api_root"] == "https://git.jianglin.gov.cn/api/v4"


@pytest.mark.parametrize("host", ["github", "gitlab", "gitea"])
def test_each_git_host(config_dir, host):
    _set_cms(
        config_dir,
        {
            "backend": host,
            "repo": "bureau/portal",
            "branch": "main",
            "base_url": "https://git.example.gov.cn",
            "app_id": "abc",
            "topics": ["对外贸易", "电子商务"],
            "genres": ["工作动态"],
        },
    )
    generated = cms.decap_config(load_config(config_dir))
    backend = generated["backend"]
    assert backend["name"] == host and backend["repo"] == "bureau/portal"
    if (
        host == "gitea"
    ):  # Decap has no editorial workflow on Gitea: it commits to a review branch, merged by pull request
        assert "publish_mode" not in generated and backend["branch"] == "cms"
        assert backend["api_root"] == "https://git.example.gov.cn/api/v1"
    else:
        assert generated["publish_mode"] == "editorial_workflow" and backend["branch"] == "main"
    fields = _fields(generated["collections"][0])
    assert fields["topic"]["widget"] == "select" and fields["topic"]["options"] == ["对外贸易", "电子商务"]
    assert fields["genre"]["options"] == ["工作动态"]


def test_topic_and_genre_are_free_text_without_configured_values(config):
    fields = _fields(cms.decap_config(config)["collections"][0])
    assert fields["topic"]["widget"] == "string" and fields["genre"]["widget"] == "string"


@pytest.mark.parametrize(
    "section, words",
    [
        ({"backend": "bitbucket", "repo": "a/b"}, "backend"),
        ({"backend": "github", "repo": "portal"}, "repo"),
        ({"backend": "gitea", "repo": "a/b", "branch": "main", "review_branch": "main"}, "review_branch"),
        ({"backend": "github", "repo": "a/b", "channels": "网站"}, "channels"),
        ({"backend": "github", "repo": "a/b", "colour": "red"}, "colour"),
        ({"backend": "github", "repo": "a/b", "base_url": "git.example"}, "base_url"),
    ],
)
def test_bad_cms_settings_name_the_key(config_dir, section, words):
    _set_cms(config_dir, section)
    with pytest.raises(ConfigError) as raised:
        load_config(config_dir)
    assert "portal.yaml" in str(raised.value) and words in str(raised.value)


def test_cms_config_command_prints_and_writes(tmp_path, config_dir):
    done = run_portal("cms-config")
    assert done.returncode == 0, done.stderr
    printed = yaml.safe_load(done.stdout)
    assert printed == cms.decap_config(load_config(ROOT / "site_config"))
    out = tmp_path / "admin" / "config.yml"
    done = run_portal("cms-config", "--out", str(out))
    assert done.returncode == 0 and yaml.safe_load(out.read_text(encoding="utf-8")) == printed
    _set_cms(config_dir, None)
    done = run_portal("cms-config", "--config", str(config_dir))
    assert done.returncode == 1 and "backend" in done.stderr and "Traceback" not in done.stderr


def test_local_config_uses_the_proxy_backend_without_workflow(config):
    local = yaml.safe_load(cms.config_text(config, "content", local=True, proxy_url="http://127.0.0.1:9/api/v1"))
    assert local["backend"] == {"name": "proxy", "proxy_url": "http://127.0.0.1:9/api/v1", "branch": "main"}
    assert "publish_mode" not in local
    # decap-server serves the content folder itself (never the project): paths relative to it
    production = cms.decap_config(config)["collections"]
    assert [c["folder"] for c in local["collections"]] == [f"items/{c['name']}" for c in production]
    assert local["media_folder"] == "files" and {c["media_folder"] for c in local["collections"]} == {"/files"}
    same = ("folder", "media_folder")
    assert [{k: v for k, v in c.items() if k not in same} for c in local["collections"]] == [
        {k: v for k, v in c.items() if k not in same} for c in production
    ]


def test_a_saved_entry_loads_as_an_item(tmp_path, config):
    """What the editor writes (its field values as front matter) is a valid item."""
    data = {
        "title": "东湖区召开外贸企业座谈会",
        "date": "2026-12-01 09:30",
        "site": "donghu",
        "column": "local",
        "author": "张三",
        "kind": "信息",
        "reviewer": "",
        "disclosure": "主动公开",
        "classified": False,
        "channels": ["网站"],
        "doc_number": "",
        "topic": "",
        "genre": "",
        "summary": "",
        "tags": [],
        "attachments": [],
        "body": "东湖区商务局召开座谈会。" * 30,
    }
    target = tmp_path / "items" / "donghu" / "2026" / "2026-12-01-item.md"
    target.parent.mkdir(parents=True)
    target.write_text(cms.draft_text(data), encoding="utf-8")
    loaded = load_items(tmp_path, config)
    assert not loaded.findings and len(loaded.items) == 1
    item = loaded.items[0]
    assert (item.site, item.column, item.author, item.reviewer) == ("donghu", "local", "张三", None)


def test_draft_check_reports_marker_and_pii_before_saving(config):
    data = {
        "title": "东湖区召开外贸企业座谈会",
        "date": "2026-12-01 09:30",
        "site": "donghu",
        "column": "local",
        "author": "张三",
        "body": "联系人电话 13812345678。" + "东湖区商务局召开座谈会。" * 30,
    }
    rel, findings = cms.check_draft(ROOT / "content", config, "donghu", data)
    assert rel == "items/donghu/2026/draft-item.md"
    rules = {f["rule"] for f in findings}
    assert {"pii", "unreviewed"} <= rules
    assert all(f["path"] == rel for f in findings)
    data["body"] = "★绝密★ " + data["body"].replace("13812345678", "0730-8888123")
    data["reviewer"] = "陈立新"
    _, findings = cms.check_draft(ROOT / "content", config, "donghu", data)
    assert "marker" in {f["rule"] for f in findings} and "pii" not in {f["rule"] for f in findings}


def test_draft_check_of_a_clean_reviewed_entry_is_empty(config):
    data = {
        "title": "东湖区召开外贸企业座谈会",
        "date": "2026-11-20 09:30",
        "site": "donghu",
        "column": "local",
        "author": "张三",
        "reviewer": "陈立新",
        "body": "东湖区商务局召开外贸企业座谈会，通报前三季度进出口情况。" * 10,
    }
    _, findings = cms.check_draft(ROOT / "content", config, "donghu", data)
    assert [f for f in findings if f["severity"] == "error"] == []


def test_draft_check_names_an_unknown_sub_site_and_a_bad_column(config):
    _, findings = cms.check_draft(ROOT / "content", config, "../../etc", {"title": "x"})
    assert [f["rule"] for f in findings] == ["unknown-site"]
    _, findings = cms.check_draft(
        ROOT / "content",
        config,
        "donghu",
        {"title": "x", "date": "2026-11-20", "site": "donghu", "column": "news", "author": "张三", "body": "正文"},
    )
    assert [f["rule"] for f in findings] == ["unknown-column"]


# ------------------------------------------------------------- the /admin/ routes of serve --cms


class _Editor:
    """Stands in for a started editor: routes only, no decap-server."""

    def __init__(self, config, tmp_path: Path):
        dist = tmp_path / "dist"
        dist.mkdir()
        (dist / "decap-cms.js").write_text("/* decap */", encoding="utf-8")
        (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
        self.dist = dist
        self.origin = "http://127.0.0.1:8000"
        self.index_html = cms.admin_html(config)
        self.config_yml = cms.config_text(config, local=True, proxy_url="http://127.0.0.1:9/api/v1")
        self.checked = []

    def check(self, request):
        self.checked.append(request)
        return {"path": "x", "draft": [], "saved": None, "published": None, "build": ""}

    def fresh_config(self):
        return self.config_yml

    def saved(self, request):
        return {"path": "x", "saved": [], "published": True, "build": "", "pending": False}


def _call(editor, path: str, method: str = "GET", body: bytes = b"", origin: str | None = None):
    from pipeline.cms_server import _admin

    environ = {"REQUEST_METHOD": method, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if origin:
        environ["HTTP_ORIGIN"] = origin
    seen = {}
    out = _admin(editor, environ, lambda status, headers: seen.update(status=status, headers=dict(headers)), path)
    return seen["status"], b"".join(out)


def test_admin_routes_serve_the_editor_and_nothing_else(tmp_path, config):
    editor = _Editor(config, tmp_path)
    status, body = _call(editor, "")
    assert (
        status.startswith("200")
        and b"decap/decap-cms.js" in body
        and b"portal-cms.js" in body
        and b"portal-format.js" in body
    )
    assert b"CMS_MANUAL_INIT = true" in body  # the format is registered before the configuration is read
    assert b"https://" not in body  # no CDN
    status, body = _call(editor, "config.yml")
    assert yaml.safe_load(body)["backend"]["name"] == "proxy"
    assert _call(editor, "decap/decap-cms.js")[0].startswith("200")
    for asset in cms.ASSETS:
        assert _call(editor, asset)[0].startswith("200"), asset
    for bad in ("decap/../secret.txt", "decap/%2e%2e/secret.txt", "decap/", "decap/../../pipeline/cms.py", "other.js"):
        assert _call(editor, bad)[0].startswith("404"), bad


def test_admin_check_takes_json_from_its_own_origin_only(tmp_path, config):
    editor = _Editor(config, tmp_path)
    request = json.dumps({"collection": "donghu", "data": {"title": "x"}}).encode()
    status, body = _call(editor, "check", "POST", request, origin="http://127.0.0.1:8000")
    assert status.startswith("200") and json.loads(body)["draft"] == [] and editor.checked
    assert _call(editor, "check", "POST", request, origin="http://evil.example")[0].startswith("403")
    assert _call(editor, "check", "GET")[0].startswith("405")
    assert _call(editor, "check", "POST", b"not json")[0].startswith("400")
    assert _call(editor, "check", "POST", b"")[0].startswith("413")
    status, body = _call(editor, "status", "POST", request)
    assert status.startswith("200") and json.loads(body)["published"] is True and len(editor.checked) == 1


def test_saved_status_follows_the_preview_build(tmp_path):
    """After a save the editor says "rebuilding" until a build that began after the save ends."""
    import os
    import time

    from pipeline.cms_server import Editor
    from pipeline.findings import error

    content = tmp_path / "content"
    item = content / "items" / "donghu" / "2026" / "2026-11-28-item.md"
    item.parent.mkdir(parents=True)
    item.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    editor = Editor(
        content=content,
        config_dir=ROOT / "site_config",
        work=tmp_path,
        mkdocs_file=ROOT / "mkdocs.yml",
        origin="http://127.0.0.1:8000",
        dist=tmp_path,
        config_yml="",
        index_html="",
    )
    request = {"path": "items/donghu/2026/2026-11-28-item.md"}
    assert editor.saved(request)["pending"] is True  # no build yet
    finding = error("items/donghu/2026/2026-11-28-item.md", "unreviewed", "没有审签人")
    os.utime(item, (time.time() - 60, time.time() - 60))
    editor.save_status([finding], "", published=[], started=time.time() - 30)
    status = editor.saved(request)
    assert (
        status["pending"] is False
        and [f["rule"] for f in status["saved"]] == ["unreviewed"]
        and status["published"] is False
    )
    item.write_text("---\ntitle: y\n---\n", encoding="utf-8")  # saved again: that build is out of date
    assert editor.saved(request)["pending"] is True
    editor.save_status([], "", published=["items/donghu/2026/2026-11-28-item.md"], started=time.time() + 1)
    assert editor.saved(request) == {
        "path": "items/donghu/2026/2026-11-28-item.md",
        "saved": [],
        "published": True,
        "build": "",
        "pending": False,
    }
    for bad in ({"path": "items/../secret.md"}, {"path": "../secret.md"}, {"path": "/items/x.md"}, {"path": 3}, {}):
        assert editor.saved(bad)["saved"] is None


def test_editor_refuses_a_public_address_and_missing_install(tmp_path):
    from pipeline.cms_server import Editor, EditorError

    with pytest.raises(EditorError, match="make cms-deps"):
        Editor.start(
            ROOT / "content", ROOT / "site_config", tmp_path, ROOT / "mkdocs.yml", "127.0.0.1", 8000, cms_dir=tmp_path
        )
    if (cms.CMS_DIR / "node_modules" / "decap-cms" / "dist" / "decap-cms.js").is_file() and shutil.which("node"):
        with pytest.raises(EditorError, match="127.0.0.1"):
            Editor.start(ROOT / "content", ROOT / "site_config", tmp_path, ROOT / "mkdocs.yml", "0.0.0.0", 8000)


def test_editor_starts_and_stops_decap_server(tmp_path):
    from pipeline.cms_server import Editor

    if not (cms.CMS_DIR / "node_modules" / "decap-server" / "dist" / "index.js").is_file() or not shutil.which("node"):
        pytest.skip("没有安装网页编辑器（make cms-deps）或 node")
    editor = Editor.start(ROOT / "content", ROOT / "site_config", tmp_path, ROOT / "mkdocs.yml", "127.0.0.1", 8000)
    process = editor.process
    try:
        assert process.poll() is None and editor.backend_url == "/admin/api/v1"  # the page's own origin
        assert editor.origin == "http://127.0.0.1:8000"  # only the page serve prints may write through decap-server
        assert yaml.safe_load(editor.config_yml)["backend"]["proxy_url"] == editor.backend_url
    finally:
        editor.stop()
    assert process.poll() is not None and editor.process is None


def test_editor_config_follows_site_config_while_serving(tmp_path, config_dir):
    from pipeline.cms_server import Editor

    editor = Editor(
        content=ROOT / "content",
        config_dir=config_dir,
        work=tmp_path,
        mkdocs_file=ROOT / "mkdocs.yml",
        origin="http://127.0.0.1:8000",
        dist=tmp_path,
        config_yml="old",
        index_html="",
        backend_url="http://127.0.0.1:9/api/v1",
    )
    sites = config_dir / "sites.yaml"
    sites.write_text(
        sites.read_text(encoding="utf-8").replace(
            "columns: [local, notices]}", "columns: [local, notices, policies]}", 1
        ),
        encoding="utf-8",
    )
    donghu = next(c for c in yaml.safe_load(editor.fresh_config())["collections"] if c["name"] == "donghu")
    assert [o["value"] for o in _fields(donghu)["column"]["options"]] == ["local", "notices", "policies"]
    good = editor.fresh_config()
    sites.write_text("sites: 3\n", encoding="utf-8")  # broken while editing: the last good configuration stays
    assert editor.fresh_config() == good != "old"


def test_cms_config_admin_writes_the_editor_folder_outside_any_site(tmp_path):
    if not (cms.CMS_DIR / "node_modules" / "decap-cms" / "dist" / "decap-cms.js").is_file():
        pytest.skip("没有安装网页编辑器（make cms-deps）")
    target = tmp_path / "editor"
    done = run_portal("cms-config", "--admin", str(target))
    assert done.returncode == 0, done.stderr
    html = (target / "index.html").read_text(encoding="utf-8")
    assert 'src="decap/decap-cms.js"' in html and "https://" not in html
    assert (target / "decap" / "decap-cms.js").is_file() and (target / "yaml" / "index.js").is_file()
    assert all((target / name).is_file() for name in cms.ASSETS)
    assert yaml.safe_load((target / "config.yml").read_text(encoding="utf-8"))["publish_mode"] == "editorial_workflow"
    site = tmp_path / "site"
    site.mkdir()
    done = run_portal("cms-config", "--admin", str(site / "admin"))
    assert done.returncode == 1 and "网站输出目录" in done.stderr and not (site / "admin").exists()


def test_editor_format_round_trips_every_demo_item(tmp_path, config):
    """Opening and saving an item in the editor (cms/portal-frontmatter.mjs: fromFile, then toFile
    with the editor's field order) gives a file that loads as the same item — keys the editor has
    no field for (adopted, changes, validity …) kept, dates still text, transient keys dropped."""
    import subprocess
    from dataclasses import replace

    node = shutil.which("node")
    dist = cms.CMS_DIR / "node_modules" / "yaml" / "browser" / "dist" / "index.js"
    if not node or not dist.is_file():
        pytest.skip("没有 node 或没有安装网页编辑器（make cms-deps）")
    source = ROOT / "content"
    files = sorted((source / "items").rglob("*.md"))
    order = [f["name"] for f in cms.fields_for(config, "bureau")]
    script = """
const { YAML } = await import(process.argv[1]);
const { frontmatterFormat } = await import(process.argv[2]);
const format = frontmatterFormat(YAML, ["_slug", "_year"]);
const { readFileSync, writeFileSync, mkdirSync } = await import("node:fs");
const { dirname } = await import("node:path");
const [order, pairs] = JSON.parse(readFileSync(0, "utf8"));
for (const [from, to] of pairs) {
  const data = format.fromFile(readFileSync(from, "utf8"));
  data._slug = "x"; data._year = "2026";
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, format.toFile(data, order));
}
"""
    pairs = [[str(f), str(tmp_path / f.relative_to(source))] for f in files]
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, dist.as_uri(), (cms.CMS_DIR / "portal-frontmatter.mjs").as_uri()],
        input=json.dumps([order, pairs]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    before = load_items(source, config)
    after = load_items(tmp_path, config)
    assert after.files == before.files == len(files) > 100
    assert [f.text() for f in after.findings] == [f.text() for f in before.findings]

    def same(item):
        return replace(item, body=item.body.strip(), body_line=0, content_hash="")

    assert [same(i) for i in after.items] == [same(i) for i in before.items]
    text = (tmp_path / files[0].relative_to(source)).read_text(encoding="utf-8")
    assert "_slug" not in text and "_year" not in text and text.startswith("---\ntitle: ")


ITEM = (
    "---\ntitle: 东湖区召开外贸企业座谈会\ndate: 2026-03-15\nsite: donghu\ncolumn: news\nauthor: 张三\n---\n"
    + "东湖区商务局召开外贸企业座谈会，听取企业关于订单、物流和融资方面的意见建议。" * 6
    + "\n"
)


def _post(port: int, path: str, body: dict, host: str, origin: str | None) -> tuple[int, bytes]:
    """A POST to the server on 127.0.0.1:``port`` as a browser sends it: ``host`` in the Host
    header (a rebound DNS name keeps its own), ``origin`` in Origin."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Host": host, "Content-Type": "application/json"}
        if origin is not None:
            headers["Origin"] = origin
        connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _persist(path: str) -> dict:
    return {
        "action": "persistEntry",
        "params": {
            "branch": "main",
            "entry": {"slug": path.rsplit("/", 1)[-1][:-3], "path": path, "raw": ITEM},
            "assets": [],
            "options": {"collectionName": "donghu", "commitMessage": "x", "useWorkflow": False, "status": "draft"},
        },
    }


def test_decap_server_answers_only_this_origin_never_a_rebound_name(tmp_path):
    """DNS rebinding: a page on attacker.example rebinds its name to 127.0.0.1 and POSTs to
    ``http://attacker.example:<port>/…`` — for the browser a same-origin request, with
    ``Host: attacker.example:<port>``.  decap-server (which writes content/, no login) listens on
    no TCP port; the preview server forwards the editor page's requests to it only when Host is
    this server's loopback address and a write's Origin is this same origin."""
    if not (cms.CMS_DIR / "node_modules" / "decap-server" / "dist" / "index.js").is_file() or not shutil.which("node"):
        pytest.skip("没有安装网页编辑器（make cms-deps）或 node")
    content = tmp_path / "content"
    (content / "items" / "donghu" / "2026").mkdir(parents=True)
    (content / "items" / "donghu" / "2026" / "2026-03-15-forum.md").write_text(ITEM, encoding="utf-8")
    process, base = cms_serve.start(
        ROOT, tmp_path / "serve.log", "--content", str(content), "--work", str(tmp_path / "work"), wait=120
    )
    port = int(base.rstrip("/").rsplit(":", 1)[1])
    info = {"action": "info", "params": {"branch": "main"}}
    planted = content / "items" / "donghu" / "2026" / "2026-03-16-planted.md"
    try:
        # where the editor page sends its writes (what an attacker reads from /admin/config.yml too)
        proxy_url = yaml.safe_load(cms_serve.get(base + "admin/config.yml"))["backend"]["proxy_url"]
        assert proxy_url == "/admin/api/v1"  # root-relative: the page's own origin, whichever loopback name
        api_port, api_path = port, proxy_url
        own = f"127.0.0.1:{api_port}"
        refused = [
            (f"attacker.example:{api_port}", f"http://attacker.example:{api_port}"),  # the rebound page itself
            (f"attacker.example:{api_port}", None),
            ("attacker.example", None),
            (f"127.0.0.1.attacker.example:{api_port}", None),
            (f"127.0.0.1:{api_port + 1}", None),  # another local port's page
            (own, f"http://attacker.example:{api_port}"),  # a cross-origin write
            (own, "null"),  # a sandboxed frame or a file:// page
            (own, f"http://localhost:{api_port + 1}"),
            (own, f"http://localhost:{api_port}"),  # another origin of the same server: still another origin
            (f"localhost:{api_port}", f"http://127.0.0.1:{api_port}"),
        ]
        for host, origin in refused:
            status, said = _post(api_port, api_path, _persist("items/donghu/2026/2026-03-16-planted.md"), host, origin)
            assert status == 403 and not planted.exists(), (host, origin, status, said)
            assert _post(port, "/admin/check", {"collection": "donghu", "data": {}}, host, origin)[0] == 403
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/admin/config.yml", headers={"Host": f"attacker.example:{port}"})
        assert connection.getresponse().status == 403  # nothing of the editor is read through a rebound name
        connection.close()

        # the editor page's own requests go through, on the page's own origin (no second port)
        status, body = _post(port, api_path, info, own, f"http://{own}")
        assert status == 200 and json.loads(body)["type"] == "local_fs", body
        for host in (f"localhost:{port}", f"[::1]:{port}"):  # the other names of this loopback server
            assert _post(port, api_path, info, host, None)[0] == 200, host
            assert _post(port, api_path, info, host, f"http://{host}")[0] == 200, host  # its page, opened there
            assert _post(port, "/admin/check", {"collection": "donghu", "data": {}}, host, f"http://{host}")[0] == 200
        status, said = _post(port, api_path, _persist("items/donghu/2026/2026-03-16-saved.md"), own, base[:-1])
        assert status == 200, said
        assert (content / "items" / "donghu" / "2026" / "2026-03-16-saved.md").read_text(encoding="utf-8") == ITEM

        # and decap-server itself listens on no TCP port a page could reach
        (node,) = [
            pid
            for pid in cms_serve.children(process.pid)
            if b"decap-server" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert cms_serve.listening_tcp_ports(node) == set()
        assert cms_serve.listening_tcp_ports(process.pid) == {port}
    finally:
        cms_serve.stop(process)
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]
