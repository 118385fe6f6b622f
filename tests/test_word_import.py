"""``portal import``: Word documents built with python-docx at test time (tests/docx_fixtures.py)
become items that load, pass the same checks as ``portal check``, and keep their layout out
of the body; documents that cannot be imported are named with what to do."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline import word_layout
from pipeline.config import load_config
from pipeline.docx_read import Refused, read_docx
from pipeline.load import load_item
from pipeline.checking import check_content
from pipeline.rendered import render_html

import docx_fixtures as fx
from helpers import ROOT, run_portal

CONFIG = load_config(ROOT / "site_config")


def _import(content: Path, *sources: Path, site: str = "donghu", column: str = "local", extra: tuple[str, ...] = ()):
    db = content.parent / "upstream.sqlite"
    return run_portal(
        "import",
        *map(str, sources),
        "--content",
        str(content),
        "--site",
        site,
        "--column",
        column,
        "--db",
        str(db),
        *extra,
    )


def _items(content: Path, site: str = "donghu") -> dict[str, str]:
    folder = content / "items" / site
    return (
        {p.relative_to(content).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.md"))}
        if folder.is_dir()
        else {}
    )


def _new_items(content: Path, before: dict[str, str], site: str = "donghu") -> dict[str, str]:
    return {k: v for k, v in _items(content, site).items() if k not in before}


def _load(content: Path, rel: str):
    return load_item(content / rel, rel, CONFIG)


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- layouts -----------------------------------------------------------------------------------


def test_notice_layout_becomes_front_matter_and_leaves_the_body(content_copy, tmp_path):
    folder = tmp_path / "报送"
    fx.notice(
        folder / "东湖区外贸座谈会.docx",
        unit="东湖区商务局",
        title="东湖区召开外贸企业座谈会",
        attachments=("1. 重点外贸企业名单", "2.外贸企业困难问题清单。"),
    )
    (folder / "附件1 重点外贸企业名单.xlsx").write_bytes(b"PK\x03\x04 xlsx stand-in")
    (folder / "东湖区外贸座谈会-附件2.pdf").write_bytes(b"%PDF-1.4 stand-in")
    before = _items(content_copy)
    done = _import(content_copy, folder)
    assert done.returncode == 0, done.stdout + done.stderr
    [(rel, text)] = _new_items(content_copy, before).items()
    assert rel.startswith("items/donghu/2026/2026-11-28-") and rel in done.stdout
    item = _load(content_copy, rel)
    assert (item.title, item.author, item.doc_number, item.site, item.column) == (
        "东湖区召开外贸企业座谈会",
        "李晓梅",
        "江商发〔2026〕12号",
        "donghu",
        "local",
    )
    assert item.date.isoformat() == "2026-11-28T00:00:00+08:00" and item.reviewer is None
    assert [a.name for a in item.attachments] == ["重点外贸企业名单.xlsx", "外贸企业困难问题清单.pdf"]
    for att, original in zip(item.attachments, ("附件1 重点外贸企业名单.xlsx", "东湖区外贸座谈会-附件2.pdf")):
        assert (content_copy / att.href).read_bytes() == (folder / original).read_bytes()
        assert att.href.startswith("files/2026/")
    # recognised lines left the body: 红头, 文号, title, 附件说明, 落款, the 信息员 line with its phone number
    for gone in (
        "江临市商务局文件",
        "江商发",
        "附件",
        "2026年11月28日",
        "信息员",
        "0730-8888100",
        "东湖区召开外贸企业座谈会",
    ):
        assert gone not in item.body, gone
    assert "**一是加强队伍建设。**" in item.body and item.body.lstrip().startswith("各县市区商务主管部门")
    assert "识别：标题 东湖区召开外贸企业座谈会" in done.stdout and "附件 2 个" in done.stdout
    assert "待审签" in done.stdout and "需要修改的错误 0 个" in done.stderr
    assert "<!--" not in item.body  # everything was recognised: no notes left in the file


@pytest.mark.parametrize(
    ("blocks", "expect"),
    [
        # 文号 in [] and 【】, a heading-styled title, 二〇 date, 供稿 with a unit before the name
        (
            [
                ("center", "【江商发 [2026] 3号】"),
                ("title", "关于开展消费季活动的通知"),
                fx.BODY,
                ("right", "东湖区商务局"),
                ("right", "二〇二六年十一月二十八日"),
                "（供稿：东湖区商务局 王小燕）",
            ],
            {
                "title": "关于开展消费季活动的通知",
                "doc_number": "江商发〔2026〕3号",
                "signed": "2026-11-28",
                "unit": "东湖区商务局",
                "author": "王小燕",
            },
        ),
        # ISO date with the unit on the same line, 撰稿 line, first heading as title, 附件一： lines
        (
            [
                ("h1", "东湖区电商直播节开幕"),
                fx.BODY,
                "附件一：活动安排表",
                "附件二：参展企业名单",
                ("right", "东湖区商务局 2026-11-28"),
                "撰稿：赵敏  审核：钱进",
            ],
            {
                "title": "东湖区电商直播节开幕",
                "doc_number": None,
                "signed": "2026-11-28",
                "unit": "东湖区商务局",
                "author": "赵敏",
                "attachments": [(1, "活动安排表"), (2, "参展企业名单")],
            },
        ),
        # seed 000 shape: spaced-out title, 附件：1、… then 2、…, attachments printed after the 落款
        (
            [
                ("center", "岳阳市商务局文件"),
                ("center", "岳商发〔2014〕79号"),
                ("center", "岳阳市商务局 关于切实做好 2014 年商务信息工作的通知"),
                fx.BODY,
                "附件：1、全市商务网站（市站、县市区子站）信息量统计表",
                "2、全市商务网站（市局科室子站）信息量统计表",
                ("right", "2014年4月8日"),
                "附件 1:",
                "全市商务网站（市站、县市区子站）信息量统计表",
                ("table", [["网站名称", "2013 年"], ["市 站", "955"]]),
            ],
            {
                "title": "岳阳市商务局关于切实做好2014年商务信息工作的通知",
                "doc_number": "岳商发〔2014〕79号",
                "signed": "2014-04-08",
                "unit": None,
                "attachments": [
                    (1, "全市商务网站(市站、县市区子站)信息量统计表"),
                    (2, "全市商务网站(市局科室子站)信息量统计表"),
                ],
                "inline": (1,),
            },
        ),
        # seed 003 shape: 附件:1.… with Chinese date and 通讯员; a date that does not exist is a note
        (
            [
                ("center", "高新区政务信息工作实施意见"),
                fx.BODY,
                "附件:1.政务信息工作考核办法。",
                "2.专报信息样表",
                ("right", "二〇二六年二月三十日"),
                "通讯员：孙丽",
            ],
            {
                "title": "高新区政务信息工作实施意见",
                "signed": None,
                "author": "孙丽",
                "attachments": [(1, "政务信息工作考核办法"), (2, "专报信息样表")],
                "note": "不存在",
            },
        ),
        # no title style, no centring: nothing is taken as title; a blank 落款 date is a note
        (
            ["东湖区商务局组织外贸企业座谈", fx.BODY, ("right", "2015年　月　日")],
            {"title": None, "signed": None, "note": "没有填写完整"},
        ),
    ],
)
def test_layout_variants(tmp_path, blocks, expect):
    converted = read_docx(fx.build(tmp_path / "d.docx", blocks).read_bytes())
    layout = converted.layout
    assert layout.title == expect["title"]
    if "doc_number" in expect:
        assert layout.doc_number == expect["doc_number"]
    assert (layout.signed.isoformat() if layout.signed else None) == expect["signed"]
    if "unit" in expect:
        assert layout.unit == expect["unit"]
    if "author" in expect:
        assert layout.author == expect["author"]
    assert [(a.number, a.title) for a in layout.attachments] == expect.get("attachments", [])
    assert layout.inline_attachments == expect.get("inline", ())
    if "note" in expect:
        assert any(expect["note"] in n for n in converted.notes), converted.notes
    body = converted.markdown
    if expect["title"]:
        assert expect["title"].replace(" ", "")[:8] not in body.replace(" ", "")
    if expect.get("inline"):
        assert "附件 1" in body and "网站名称" in body  # the attachment printed after the 落款 stays in the body


def test_layout_reader_on_plain_blocks():
    B = word_layout.Block
    layout = word_layout.recognise(
        [
            B("江临市商务局文件", centred=True),
            B("江商发(2026)7号", centred=True),
            B("关于进一步加强", centred=True),
            B("政务信息报送工作的通知", centred=True),
            B("正文。" * 30),
            B(
                "附件：",
            ),
            B("统计表", numbered=True),
            B("登记表", numbered=True),
            B("江临市商务局"),
            B("2026年12月1日"),
        ]
    )
    assert layout.title == "关于进一步加强政务信息报送工作的通知"  # a long title on two centred lines
    assert layout.doc_number == "江商发〔2026〕7号" and layout.unit == "江临市商务局"
    assert [(a.number, a.title) for a in layout.attachments] == [(1, "统计表"), (2, "登记表")]  # Word-numbered lines
    assert layout.removed == frozenset(range(10)) - {4}


# --- conversion --------------------------------------------------------------------------------


def test_table_image_and_lists_survive(content_copy, tmp_path):
    image = fx.png(seed=7)
    doc = fx.build(
        tmp_path / "in" / "统计.docx",
        [
            ("center", "东湖区前三季度外贸运行情况"),
            fx.BODY,
            ("table", [["指标", "金额（亿元）", "增长"], ["进出口", "12.5", "8.6%"], ["出口|其中", "7.1", "9.2%"]]),
            ("table", [["合并表头", "", "备注"], ["a", "b", "c"]], True),
            ("image", image),
            ("h1", "一、主要做法"),
            ("numbered", ["稳订单", "拓市场"]),
            ("bullet", ["跨境电商"]),
            ("right", "2026年10月21日"),
            "信息员：李晓梅",
        ],
    )
    done = _import(content_copy, doc)
    assert done.returncode == 0, done.stdout + done.stderr
    rel = next(line.split()[1] for line in done.stdout.splitlines() if "统计.docx" in line and "items/" in line)
    item = _load(content_copy, rel)
    html = render_html(item.body)
    assert (
        "<table>" in html and "<th>金额（亿元）</th>" in html and "<td>出口&#124;其中</td>" in html
    )  # a pipe in a cell stays text
    assert '<td colspan="2">合并表头</td>' in html  # merged cells kept as an HTML table
    assert (
        ">一、主要做法</h2>" in html
        and "<ol>\n<li>稳订单</li>\n<li>拓市场</li>\n</ol>" in html
        and "<ul>\n<li>跨境电商</li>\n</ul>" in html
    )
    name = hashlib.sha256(image).hexdigest()[:16] + ".png"
    assert (content_copy / "files" / "2026" / name).read_bytes() == image
    assert f"](../../files/2026/{name})" in item.body  # relative to the item page: <site>/<year>/<slug>
    # once signed off, the build publishes the image with the item (the attachment stage resolves the link)
    path = content_copy / rel
    path.write_text(
        path.read_text(encoding="utf-8").replace("# reviewer: 审签人姓名", "reviewer: 王建国", 1), encoding="utf-8"
    )
    checked = check_content(content_copy, CONFIG, upstream_db=None, reference=None, jobs=1)
    assert rel in {i.path for i in checked.publication.published}
    assert (f"files/2026/{name}", (rel,)) in {(a.path, a.owners) for a in checked.publication.attached}
    assert not [f for f in checked.findings if f.path == rel], [f for f in checked.findings if f.path == rel]
    assert "图片 1 张" in done.stdout


def test_word_text_is_text_not_markup(content_copy, tmp_path):
    """What an author typed never becomes HTML or Markdown syntax on the page."""
    doc = fx.build(
        tmp_path / "代码.docx",
        [
            ("center", "关于网站安全的通报"),
            fx.BODY,
            "<script>alert(1)</script> 与 <b>粗</b> & &amp;",
            "{: .big #top }",
            "# 不是标题",
            "1. 不是列表",
            "- 不是列表",
            "*星号* _下划线_ [链接](https://example.com/)",
            '!!! note "不是提示框"',
            ("right", "2026年11月2日"),
            "信息员：李晓梅",
        ],
    )
    done = _import(content_copy, doc)
    assert done.returncode == 0, done.stdout + done.stderr
    rel = next(line.split()[1] for line in done.stdout.splitlines() if "items/" in line)
    html = render_html(_load(content_copy, rel).body)
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; 与 &lt;b&gt;粗&lt;/b&gt; &amp; &amp;amp;" in html
        and "<script" not in html
    )
    assert "{: .big #top }" in html and 'class="big"' not in html and "# 不是标题" in html and "1. 不是列表" in html
    for tag in ("<h1", "<ol", "<ul", "<em", "<strong", "<a ", "admonition"):
        assert tag not in html, tag


def test_research_over_3000_characters(content_copy, tmp_path):
    paragraphs = [f"（{n}）" + fx.BODY for n in range(1, 25)]
    doc = fx.build(
        tmp_path / "调研.docx",
        [
            ("center", "关于东湖区跨境电商发展情况的调研报告"),
            *paragraphs,
            ("right", "东湖区商务局"),
            ("right", "2026年9月30日"),
            "执笔：周文",
        ],
    )
    done = _import(content_copy, doc, extra=("--kind", "调研"))
    assert done.returncode == 0, done.stdout + done.stderr
    rel = next(line.split()[1] for line in done.stdout.splitlines() if "items/" in line)
    item = _load(content_copy, rel)
    assert item.kind == "调研" and item.text_length >= 3000 and item.author == "周文"
    assert "调研文章不少于" not in done.stdout
    short = fx.build(
        tmp_path / "短.docx", [("center", "关于夜间经济的调研"), fx.BODY, ("right", "2026年9月29日"), "执笔：周文"]
    )
    done = _import(content_copy, short, extra=("--kind", "调研"))
    assert "调研文章不少于 3000 字" in done.stdout


# --- refused documents -------------------------------------------------------------------------


def test_tracked_changes_comments_and_hidden_text_are_refused_by_name(content_copy, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    fx.tracked_changes(folder / "修订.docx")
    fx.with_comment(folder / "批注.docx")
    fx.with_hidden_text(folder / "隐藏.docx")
    before = _tree(content_copy)
    done = _import(content_copy, folder)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    out = done.stdout
    assert (
        "修订.docx" in out
        and "2 处未接受的修订" in out
        and "王建国 删除“百分之三十（内部估计，未公开）”" in out
        and "接受所有修订" in out
    )
    assert "批注.docx" in out and "1 条批注" in out and "这段数字请核实后再报" in out and "删除文档中的所有批注" in out
    assert "隐藏.docx" in out and "隐藏文字" in out and "取消“隐藏”格式" in out
    assert "未导入 3 个" in done.stderr
    assert _tree(content_copy) == before


@pytest.mark.parametrize(
    ("name", "make", "expect"),
    [
        ("旧稿.docx", lambda p: fx.ole_file(p), "内容却是旧版 Word（.doc）格式"),
        ("旧稿.doc", lambda p: fx.ole_file(p), "旧版 Word（.doc）"),
        ("加密.docx", lambda p: fx.ole_file(p, encrypted=True), "打开密码"),
        ("稿件.wps", lambda p: fx.ole_file(p), "WPS 文字的 .wps 格式"),
        ("稿件.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n%..."), "这是 PDF 文件"),
        ("压缩包.docx", lambda p: fx.zip_without_document(p), "缺少 word/document.xml"),
        ("乱码.docx", lambda p: p.write_bytes(bytes(range(256)) * 4), "不是 Word 文档（.docx）"),
        ("损坏.docx", lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 100), "文件已损坏"),
        ("空文件.docx", lambda p: p.write_bytes(b""), "文件是空的（0 字节）"),
        ("空文档.docx", lambda p: fx.build(p, []), "文档是空的"),
        (
            "只有标题.docx",
            lambda p: fx.build(p, [("center", "关于召开座谈会的通知"), ("right", "2026年11月28日")]),
            "没有正文",
        ),
    ],
)
def test_files_that_cannot_be_imported_are_named_with_what_to_do(tmp_path, name, make, expect):
    path = tmp_path / name
    make(path)
    with pytest.raises(Refused) as refused:
        read_docx(path.read_bytes(), path.suffix)
    assert expect in str(refused.value)
    assert any(verb in str(refused.value) for verb in ("请", "再导入")), "says what to do"


def test_cli_names_each_refused_file_and_exits_1(content_copy, tmp_path):
    fx.ole_file(tmp_path / "旧稿.docx")
    (tmp_path / "空.docx").write_bytes(b"")
    done = _import(content_copy, tmp_path / "旧稿.docx", tmp_path / "空.docx", tmp_path / "不存在.docx")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert any("旧稿.docx" in line and "未导入" in line for line in lines)
    assert f"{tmp_path / '空.docx'}" in done.stdout and "0 字节" in done.stdout and "不存在" in done.stdout


# --- folders, clashes, dry run -----------------------------------------------------------------


def test_folder_import_names_clashes_and_never_overwrites(content_copy, tmp_path):
    folder = tmp_path / "十一月报送"
    fx.notice(folder / "a-座谈会.docx", title="东湖区召开外贸企业座谈会", unit="东湖区商务局")
    fx.notice(folder / "b-座谈会（重复报送）.docx", title="东湖区召开外贸企业座谈会", unit="东湖区商务局")
    fx.notice(folder / "c-消费季.docx", title="东湖区启动冬季消费季", unit="东湖区商务局", date_line="2026年11月20日")
    (folder / "~$座谈会.docx").write_bytes(b"lock")  # Word's owner file while a document is open
    (folder / "说明.txt").write_text("随附说明", encoding="utf-8")
    before = _items(content_copy)
    done = _import(content_copy, folder)
    assert done.returncode == 1, done.stdout  # one document was not imported
    new = _new_items(content_copy, before)
    assert len(new) == 2
    header, *rows = done.stdout.split("\n\n")[0].splitlines()
    assert header.split() == ["文件", "条目", "结果"] and len(rows) == 4
    clash = next(r for r in rows if "b-座谈会" in r)
    assert "未导入" in clash and "与 a-座谈会.docx 生成同一个条目" in done.stdout
    assert "Word 打开文档时留下的临时文件" in done.stdout
    # an edited item is never overwritten; the unchanged one is recognised as imported before
    edited = next(k for k in new if "11-28" in k)
    (content_copy / edited).write_text(new[edited].replace("各县市区", "各区县"), encoding="utf-8")
    again = _import(content_copy, folder / "a-座谈会.docx", folder / "c-消费季.docx")
    assert again.returncode == 1 and "已存在，不会覆盖" in again.stdout and "已导入过" in again.stdout
    assert (content_copy / edited).read_text(encoding="utf-8") == new[edited].replace("各县市区", "各区县")


def test_dry_run_writes_nothing(content_copy, tmp_path):
    fx.notice(tmp_path / "in" / "通知.docx", unit="东湖区商务局", extra=[("image", fx.png(seed=3))])
    before = _tree(content_copy)
    done = _import(content_copy, tmp_path / "in", extra=("--dry-run",))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "将导入，待审签" in done.stdout
        and "没有写入任何文件" in done.stderr
        and "items/donghu/2026/2026-11-28-" in done.stdout
    )
    assert _tree(content_copy) == before


# --- the checks of portal check ---------------------------------------------------------------


def test_imported_item_with_personal_data_is_reported_and_exits_1(content_copy, tmp_path):
    doc = fx.build(
        tmp_path / "联系方式.docx",
        [
            ("center", "东湖区开展外贸政策宣讲"),
            fx.BODY,
            "如有疑问请联系张科长，手机 13912345678。",
            ("right", "2026年11月26日"),
            "信息员：李晓梅",
        ],
    )
    done = _import(content_copy, doc)
    assert done.returncode == 1
    assert "[pii]" in done.stdout and "13912345678" in done.stdout and "需要修改的错误 1 个" in done.stderr
    # the same finding as portal check gives for that file
    check = run_portal("check", "--content", str(content_copy), "--db", str(content_copy.parent / "upstream.sqlite"))
    rel = next(line.split()[1] for line in done.stdout.splitlines() if "联系方式.docx" in line and "items/" in line)
    assert rel in check.stdout and check.returncode == 1


def test_unrecognised_layout_is_said_and_left_as_a_comment_the_gate_accepts(content_copy, tmp_path):
    doc = fx.build(tmp_path / "东湖区冬季消费季启动.docx", [fx.BODY, fx.BODY])  # no title, no 落款, no 信息员
    done = _import(content_copy, doc, extra=("--author", "李晓梅"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "未识别标题" in done.stdout and "未识别落款日期" in done.stdout
    rel = next(line.split()[1] for line in done.stdout.splitlines() if "items/" in line)
    item = _load(content_copy, rel)
    assert item.title == "东湖区冬季消费季启动"  # the file name stands in for the title
    assert "<!-- 导入提示：未识别标题" in item.body and "<!-- 导入提示：未识别落款日期" in item.body
    check_lines = [line for line in done.stdout.splitlines() if line.strip().startswith("检查：")]
    assert check_lines and all("[unreviewed]" in line for line in check_lines), (
        check_lines
    )  # no unsafe-html, marker … on the comment


def test_attachments_beside_the_document_and_what_the_import_notes(content_copy, tmp_path):
    """A .docx named in the 附件说明 is that attachment, not an item of its own; --author wins over
    the document (and says so); a 落款 unit of another sub-site is pointed out; a symbolic link
    beside the document is never taken as an attachment."""
    folder = tmp_path / "in"
    fx.notice(
        folder / "通知.docx",
        unit="南岸县商务局",
        title="关于报送外贸企业名单的通知",
        attachments=("1. 企业登记表", "2. 企业名单"),
    )
    fx.build(folder / "附件1 企业登记表.docx", [("center", "企业登记表"), ("table", [["企业", "联系人"], ["", ""]])])
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"PK\x03\x04 not for the public")
    (folder / "附件2 企业名单.xlsx").symlink_to(secret)
    before = _items(content_copy)
    done = _import(content_copy, folder, extra=("--author", "王小燕"))
    assert done.returncode == 0, done.stdout + done.stderr
    [(rel, _)] = _new_items(content_copy, before).items()  # one item: the registration form is its attachment
    item = _load(content_copy, rel)
    assert item.author == "王小燕" and [a.name for a in item.attachments] == ["企业登记表.docx"]
    assert (content_copy / item.attachments[0].href).read_bytes() == (folder / "附件1 企业登记表.docx").read_bytes()
    assert "是 通知.docx 的附件，随该文档导入" in done.stdout and "是符号链接" in done.stdout
    assert "文档中的信息员是“李晓梅”，已按 --author 写为“王小燕”" in done.stdout
    assert "落款单位“南岸县商务局”与子站“东湖区商务局”" in done.stdout
    assert "附件2“企业名单”未找到文件" in done.stdout
    assert not any(b"not for the public" in f.read_bytes() for f in (content_copy / "files").rglob("*") if f.is_file())


def test_a_classification_mark_in_the_header_refuses_the_document(tmp_path):
    """Headers and footers are not imported, so a 密级标志 there would vanish with them."""
    from docx import Document

    from pipeline.word_import import Options, plan

    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "秘密★1年"
    doc.add_paragraph("东湖区外贸形势分析").alignment = 1
    doc.add_paragraph(fx.BODY)
    doc.save(str(tmp_path / "分析.docx"))
    doc.sections[0].header.paragraphs[0].text = "东湖区商务局"  # an ordinary header is fine
    doc.save(str(tmp_path / "普通.docx"))
    outcomes = {
        o.source.name: o
        for o in plan([tmp_path], tmp_path / "content", CONFIG, Options("donghu", "local", author="李晓梅"))
    }
    assert "页眉或页脚中有密级标志“秘密★" in outcomes["分析.docx"].refused
    assert outcomes["普通.docx"].imported


def test_damaged_documents_are_refused_never_a_traceback(tmp_path):
    """Truncated files, flipped bytes and inserted garbage (seeded): each is converted or refused
    with a message — no other exception reaches the editor."""
    import random

    data = fx.notice(
        tmp_path / "原件.docx", extra=[("image", fx.png()), ("table", [["a", "b"], ["1", "2"]])]
    ).read_bytes()
    rng = random.Random(13)
    refused = 0
    for n in range(120):
        damaged = bytearray(data)
        if n % 3 == 0:
            damaged = damaged[: rng.randrange(len(damaged))]
        elif n % 3 == 1:
            for _ in range(rng.randrange(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        else:
            at = rng.randrange(len(damaged))
            damaged[at:at] = bytes(rng.randrange(256) for _ in range(50))
        try:
            read_docx(bytes(damaged))
        except Refused as exc:
            refused += 1
            assert "请" in str(exc)
    assert refused > 40  # most damage is noticed (a flipped byte inside an image may not be)


def test_strict_open_xml_is_refused(tmp_path):
    import zipfile

    normal = fx.notice(tmp_path / "普通.docx")
    strict = tmp_path / "严格.docx"
    with zipfile.ZipFile(normal) as src, zipfile.ZipFile(strict, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(
                    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                    b"http://purl.oclc.org/ooxml/wordprocessingml/main",
                )
            dst.writestr(info, data)
    with pytest.raises(Refused, match="Strict Open XML"):
        read_docx(strict.read_bytes())
    assert read_docx(normal.read_bytes()).layout.title
