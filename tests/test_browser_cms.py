"""The web editor in a real browser (issue 13 §2, §3): ``portal serve --cms`` on a copy of the
demo, Debian's chromium driven by Playwright, as a county 信息员 and then the 审签人 use it.

Create an item in 东湖区商务局 with title, date, column, author, attachment and body; save;
the file under ``content/items/donghu/…`` loads as a valid item and ``portal check`` reports
only ``unreviewed`` for it (the preview pane showed the same before and after saving); fill
the reviewer in the editor; save; the live preview publishes the item.  The select lists are
read from the page and compared with ``site_config/``.  Screenshots go to ``tests/artifacts/``
(README "写一条信息" shows them).

Part of the browser suite: skips with the reason when chromium, playwright, node or the
editor (``make cms-deps``) is missing — except under CI, where it fails.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request

import pytest

import cms_serve
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, require, run_portal
from pipeline import cms
from pipeline.config import load_config
from pipeline.load import load_items
from pipeline.model import DISCLOSURES, KINDS
from pipeline.new_item import slug_for

DECAP = cms.CMS_DIR / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
TITLE = "东湖区召开外贸企业稳订单座谈会"
BODY = (
    "11月28日，东湖区商务局召开外贸企业稳订单座谈会，区内20家重点外贸企业负责人参加。"
    "会议通报了前三季度全区进出口情况，听取了企业在订单、物流、汇率等方面的困难和建议。"
    "区商务局将会同海关、税务等部门，落实出口退税、出口信用保险等支持政策，帮助企业稳订单、拓市场。"
    "下一步，东湖区将组织企业参加广交会、进博会等重点展会，推动跨境电商与传统外贸融合发展。"
    "参会企业表示，将用好各项政策，加快开拓共建“一带一路”国家市场，全力完成全年外贸目标。"
)


_get = cms_serve.get


@pytest.fixture(scope="module")
def editor_site(tmp_path_factory):
    """A copy of the demo with ``portal serve --cms`` running on it: (folder, base URL)."""
    require(
        CHROMIUM.exists(),
        f"没有 {CHROMIUM}：以 root 运行 make test 会自动安装（apt-get install chromium fonts-noto-cjk）",
    )
    require(
        shutil.which("node") is not None and shutil.which("npm") is not None,
        "没有 node/npm：apt-get install -y nodejs npm",
    )
    require(DECAP.is_file(), f"没有安装网页编辑器（{DECAP}）：运行 make cms-deps")
    root = tmp_path_factory.mktemp("cms-demo")
    for name in ("content", "site_config", "theme"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    try:
        process, base = cms_serve.start(root, root / "serve.log")
    except AssertionError as exc:
        pytest.fail(str(exc))
    yield root, base
    cms_serve.stop(process)


@pytest.fixture(scope="module")
def admin(editor_site):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="没有安装 playwright：运行 make test（pip install -e '.[test]'）"
    )
    root, base = editor_site
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(base + "admin/")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("东湖区商务局").first.wait_for()
        yield page
        context.close()
        chromium.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _options(page, label: str) -> list[str]:
    page.get_by_label(label, exact=False).first.click()
    texts = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return texts


def _save(page) -> None:
    """发布 → 立即发布 (the local backend writes the file; there is no workflow locally)."""
    page.get_by_role("button", name="发布").first.click()
    page.get_by_text("立即发布").click()
    page.get_by_text("条目已保存").or_(page.get_by_text("已发布")).first.wait_for()


def _wait_for(predicate, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"等待超时：{what}")


def test_editor_creates_reviews_and_publishes_an_item(admin, editor_site, tmp_path):
    root, base = editor_site
    config = load_config(root / "site_config")
    page = admin
    items = root / "content" / "items" / "donghu"
    before = set(items.rglob("*.md"))

    page.goto(base + "admin/#/collections/donghu/new")
    page.get_by_label("标题").fill(TITLE)

    # the select lists are site_config/'s: only 东湖区's columns, the contract's kinds and disclosures
    assert _options(page, "栏目") == [config.column_by_id[c].name for c in config.site_by_id["donghu"].columns]
    assert _options(page, "信息类型") == list(KINDS)
    assert _options(page, "公开方式") == list(DISCLOSURES)
    assert _options(page, "发布渠道") == [
        c for c in config.portal.cms.channels if c != "网站"
    ]  # 网站 is already chosen

    page.get_by_label("发布日期").fill("2026-11-28T10:00")
    page.get_by_label("栏目").click()
    page.get_by_role("option", name="基层动态").click()
    page.get_by_label("信息员").fill("李晓东")

    # an attachment, uploaded through the media library to content/files/
    attachment = tmp_path / "meeting-list.csv"
    attachment.write_text("企业,人数\n江临机电,2\n东湖纺织,1\n", encoding="utf-8")
    page.get_by_role("button", name="新增附件").click()
    page.get_by_label("显示名").fill("参会企业名单")
    page.get_by_role("button", name="选择文件").click()
    page.locator("input[type=file]").set_input_files(str(attachment))
    page.get_by_text("meeting-list.csv").first.wait_for()
    page.get_by_role("button", name="选用已选中项目").click()

    # the body, with a mobile number: the preview shows pii before anything is saved
    body = page.locator("[data-slate-editor=true]").first
    body.click()
    page.keyboard.type(BODY + "联系人：王敏，13907301234。")
    preview = page.frame_locator("iframe").first
    preview.locator("[data-testid=cms-findings-draft] li[data-rule=pii]").wait_for()
    assert preview.locator("[data-testid=cms-findings-draft] li[data-rule=unreviewed]").count() == 1
    _shot(page, "cms-editor-pii-before-saving")

    # the editor removes the number; now only 未审签 is left
    for _ in range(len("联系人：王敏，13907301234。")):
        page.keyboard.press("Backspace")
    preview.locator("[data-testid=cms-findings-draft] li[data-rule=pii]").wait_for(state="detached")
    _save(page)

    new = _wait_for(lambda: sorted(set(items.rglob("*.md")) - before), "编辑器写出的条目文件")
    assert len(new) == 1
    path = new[0]
    assert path.parent == items / "2026" and path.stem == "2026-11-28-" + slug_for(TITLE)  # portal new's name for it
    uploaded = root / "content" / "files" / "meeting-list.csv"
    assert uploaded.read_text(encoding="utf-8").startswith("企业,人数")

    loaded = load_items(root / "content", config)
    rel = path.relative_to(root / "content").as_posix()
    assert not [f for f in loaded.findings if f.path == rel]
    item = next(i for i in loaded.items if i.path == rel)
    assert (item.title, item.site, item.column, item.author, item.kind, item.reviewer) == (
        TITLE,
        "donghu",
        "local",
        "李晓东",
        "信息",
        None,
    )
    assert item.date.strftime("%Y-%m-%d %H:%M") == "2026-11-28 10:00"
    assert [(a.name, a.href) for a in item.attachments] == [("参会企业名单", "files/meeting-list.csv")]
    assert "13907301234" not in item.body and "稳订单" in item.body

    done = run_portal("check", "--format", "json", cwd=root)
    mine = [f for f in json.loads(done.stdout) if f["path"] == rel]
    assert [f["rule"] for f in mine] == ["unreviewed"], mine
    preview.locator("[data-testid=cms-findings-saved] li[data-rule=unreviewed]").wait_for(timeout=180_000)
    _shot(page, "cms-editor-saved-unreviewed")

    # the 审签人 signs it off in the editor; the preview publishes it
    page.get_by_label("审签人").fill("陈立新")
    _save(page)
    _wait_for(lambda: "reviewer: 陈立新" in path.read_text(encoding="utf-8"), "审签人写入文件")
    done = run_portal("check", "--format", "json", cwd=root)
    assert [f for f in json.loads(done.stdout) if f["path"] == rel and f["severity"] == "error"] == []
    preview.locator("[data-testid=cms-published]", has_text="会在网站上发布").wait_for(timeout=180_000)
    _shot(page, "cms-editor-reviewed")

    url = f"{base}donghu/2026/{path.stem}/"
    html = _wait_for(lambda: _try_get(url), "预览中的新条目", 180)
    assert TITLE in html and "参会企业名单" in html
    page.goto(url)
    page.get_by_role("heading", name=TITLE).wait_for()
    _shot(page, "cms-preview-published")

    # the editor lives beside the preview, never inside a site
    assert not (root / ".portal" / "preview" / "admin").exists()
    assert not (root / "site").exists()


def _try_get(url: str) -> str | None:
    try:
        return _get(url)
    except OSError:
        return None


def test_local_backend_listens_on_loopback_for_this_origin_only(editor_site):
    """decap-server belongs to serve: reached through the page's own origin, by it only
    (test_cms.py tries DNS rebinding and cross-origin writes in detail)."""
    root, base = editor_site
    config_yml = _get(base + "admin/config.yml")
    backend = next(line.split(": ", 1)[1] for line in config_yml.splitlines() if "proxy_url" in line)
    assert backend == "/admin/api/v1"  # root-relative: the page's own origin
    request = urllib.request.Request(
        base + "admin/api/v1",
        data=b'{"action":"info","params":{}}',
        headers={"Content-Type": "application/json", "Origin": "http://evil.example"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback
    assert refused.value.code == 403
