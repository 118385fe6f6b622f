"""The output audit (上线前终审, issue 12 §8): every file of a built site read back as the public
receives it — HTML text and attributes, feeds, the sitemap (also gzipped), Pagefind's
compressed fragments, JSON and attachments — with the gate's scanners, plus the withheld
items' distinctive strings.  Leaks are planted into a copy of the built demo; each must be
named with its file, the clean demo must pass, near misses must pass, and a build whose
renderer leaks must fail closed and leave the site as it was.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, build_site, run_portal
from pipeline import audit, parallel
from pipeline import build as build_mod
from pipeline.config import load_config

VALID_ID = "430602199001011235"  # check digit 5 is right for these 17 digits
MOBILE = "13912345678"


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "site_config")


def _pub(demo_site):
    return demo_site.result.publication


def _classified(demo_site):
    """The demo's classified 投资协议谈判 item (etdz, 2026-11-10)."""
    return next(w.item for w in _pub(demo_site).withheld if w.item.slug == "2026-11-10-battery-project-negotiation")


def _hits(report) -> set[tuple[str, str]]:
    return {(h.file, h.rule) for h in report.hits}


# --- the clean demo ----------------------------------------------------------------------------


def test_the_clean_demo_passes_and_every_kind_of_file_is_read(demo_site, config):
    report = audit.run_audit(demo_site.out, _pub(demo_site), config)
    assert report.hits == ()
    assert report.files > 400 and report.skipped > 20  # theme CSS/JS skipped, everything else read
    assert report.needles >= 3 * len(_pub(demo_site).withheld)  # title, URL and body spans of each
    # the build ran the same audit before its swap (it is one of the publish checks)
    assert audit.publish_check in build_mod.PUBLISH_CHECKS


def test_distinctive_strings_avoid_text_a_published_item_shares(demo_site, config):
    pub = _pub(demo_site)
    secret = _classified(demo_site)
    shared = next(i for i in pub.published if len(i.body) > 300)
    sentence = next(s for s in shared.body.split("。") if len(s.strip()) > 40).strip()
    twin = dataclasses.replace(secret, body=secret.body + "\n\n" + sentence + "。\n")
    needles, _ = audit.distinctive_strings([twin], audit.public_texts(pub.published, pub.pages, config))
    texts = [n.text for n in needles]
    assert any(n.what == "标题" for n in needles) and any(n.what == "正文片段" for n in needles)
    assert not any(t in audit.loose(sentence) for t in texts)  # never a span of the shared sentence
    assert all(len(t) >= audit.MIN_SPAN for t in texts if t)
    # an item whose whole text is published elsewhere keeps only its title and URL
    copy = dataclasses.replace(secret, body=shared.body, summary=None)
    needles, without = audit.distinctive_strings([copy], audit.public_texts(pub.published, pub.pages, config))
    assert without == (copy.path,) and {n.what for n in needles} <= {"标题", "网址"}


# --- leaks planted into a copy of the built demo ------------------------------------------------


def _gz_fragment(site: Path) -> Path:
    return sorted((site / "pagefind" / "fragment").glob("*.pf_fragment"))[0]


def _docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("江临市商务局 报名回执")
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _plant(site: Path, secret) -> dict[str, set[str]]:
    """Leaks of every kind, each in its own file; returns file → the rules that must hit it."""
    expected: dict[str, set[str]] = {}

    def html(rel: str, snippet: str, rules: set[str]) -> None:
        page = site / rel
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("</article>", snippet + "</article>", 1), encoding="utf-8")
        expected[rel] = rules

    # HTML text: an entity-encoded marking; emphasis between the characters of another
    html("about/contact/index.html", "<p>&#26426;&#23494;&#9733; 本页</p>", {"marker"})
    html("bureau/index.html", "<p>机<b>密</b>★1年</p>", {"marker"})
    # HTML attributes: PII in a title, a script URL
    html("etdz/index.html", f'<abbr title="联系人 {MOBILE}">联系人</abbr>', {"pii"})
    html("nanan/index.html", '<a href="&#106;avascript:alert(1)">x</a>', {"unsafe-html"})
    # a marking split by a block boundary (two pieces: found at their seam)
    html("qinghe/index.html", "<p>文件标注：机密</p><p>★</p>", {"marker"})
    # a withheld item's title and a span of its body
    html("donghu/index.html", f"<p>{secret.title}</p>", {"withheld-text"})
    body_span = next(
        n.text for n in audit.prepare_withheld(_PUB, _CONFIG).needles if n.item == secret.path and n.what == "正文片段"
    )
    html("market/index.html", f"<p>据悉，{body_span}。</p>", {"withheld-text"})
    # the feed: HTML carried as escaped text in a description
    feed = site / "feed.xml"
    feed.write_text(
        feed.read_text(encoding="utf-8").replace(
            "</channel>",
            "<item><title>x</title><description>&lt;p&gt;身份证号 "
            + VALID_ID
            + "&lt;/p&gt;</description></item></channel>",
            1,
        ),
        encoding="utf-8",
    )
    expected["feed.xml"] = {"pii"}
    # the gzipped sitemap: a withheld item's URL
    sitemap = site / "sitemap.xml.gz"
    xml = gzip.decompress(sitemap.read_bytes()).decode("utf-8")
    xml = xml.replace("</urlset>", f"<url><loc>https://swj.jianglin.gov.cn/{secret.url}</loc></url></urlset>")
    sitemap.write_bytes(gzip.compress(xml.encode("utf-8")))
    expected["sitemap.xml.gz"] = {"withheld-text"}
    # a Pagefind fragment, decompressed, changed and compressed again
    fragment = _gz_fragment(site)
    raw = gzip.decompress(fragment.read_bytes())
    data = json.loads(raw[len(b"pagefind_dcd") :])
    data["content"] += " 秘\u200b密\u200b★\u200b启用前"
    fragment.write_bytes(gzip.compress(b"pagefind_dcd" + json.dumps(data, ensure_ascii=False).encode("utf-8")))
    expected[fragment.relative_to(site).as_posix()] = {"marker"}
    # a Pagefind index chunk (CBOR words): a phone number kept whole as a word
    chunk = sorted((site / "pagefind" / "index").glob("*.pf_index"))[0]
    chunk.write_bytes(gzip.compress(gzip.decompress(chunk.read_bytes()) + b"\x6b" + MOBILE.encode()))
    expected[chunk.relative_to(site).as_posix()] = {"pii"}
    # a JSON output
    stats = site / "stats" / "2026" / "channels.json"
    value = json.loads(stats.read_text(encoding="utf-8"))
    stats.write_text(
        json.dumps({"data": value, "note": f"联系人电话 {MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}"}, ensure_ascii=False),
        encoding="utf-8",
    )
    expected["stats/2026/channels.json"] = {"pii"}
    # attachments: a docx with a marking, a CSV with an ID number, a file type nobody may publish
    files = site / "files" / "2026"
    files.mkdir(parents=True, exist_ok=True)
    (files / "huizhi.docx").write_bytes(_docx_bytes("内部资料，注意保存"))
    expected["files/2026/huizhi.docx"] = {"marker"}
    (files / "mingdan.csv").write_text(f"姓名,证件号\n张三,{VALID_ID}\n", encoding="utf-8")
    expected["files/2026/mingdan.csv"] = {"pii"}
    (files / "beifen.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    expected["files/2026/beifen.zip"] = {"audit-unreadable"}
    # a photo whose EXIF (Windows' 备注, UTF-16) carries an ID number; a clean photo beside it
    from attachment_fixtures import jpeg_bytes

    (files / "xianchang.jpg").write_bytes(jpeg_bytes(xp_comment=f"联系人 {VALID_ID}"))
    expected["files/2026/xianchang.jpg"] = {"pii"}
    (files / "huichang.jpg").write_bytes(jpeg_bytes(description="江临市外贸企业座谈会现场"))
    # near misses: ordinary words and the bureau's public phone numbers (portal.yaml)
    page = site / "investment" / "index.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "</article>", "<p>加强保密工作，做好商业秘密保护。咨询电话：0730-8888123，投诉 12345。</p></article>", 1
        ),
        encoding="utf-8",
    )
    return expected


_PUB = None
_CONFIG = None


@pytest.fixture(scope="module")
def planted(demo_site, config, tmp_path_factory):
    global _PUB, _CONFIG
    _PUB, _CONFIG = _pub(demo_site), config
    site = tmp_path_factory.mktemp("planted") / "site"
    shutil.copytree(demo_site.out, site)
    expected = _plant(site, _classified(demo_site))
    return site, expected, audit.run_audit(site, _pub(demo_site), config)


def test_every_planted_leak_is_caught_naming_its_file(planted):
    site, expected, report = planted
    found: dict[str, set[str]] = {}
    for h in report.hits:
        found.setdefault(h.file, set()).add(h.rule)
    for rel, rules in expected.items():
        assert rules <= found.get(rel, set()), (rel, found.get(rel))
    assert set(found) == set(expected), sorted(set(found) ^ set(expected))  # nothing else, near misses included


def test_hits_say_what_was_found(planted, demo_site):
    _site, _expected, report = planted
    secret = _classified(demo_site)
    text = audit.message(report)
    assert "上线前终审" in text and "feed.xml" in text
    title_hit = next(h for h in report.hits if h.file == "donghu/index.html")
    assert secret.path in title_hit.what and "标题" in title_hit.what
    assert any(h.match.replace(" ", "") == MOBILE for h in report.hits if h.file == "stats/2026/channels.json")
    assert any("机密" in h.match for h in report.hits if h.file == "qinghe/index.html")


def test_withheld_attachment_bytes_anywhere_in_the_site(demo_site, config, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(demo_site.out, site, ignore=shutil.ignore_patterns("pagefind*"))
    secret_file = tmp_path / "content-files" / "tanpan.pdf"
    secret_file.parent.mkdir()
    secret_file.write_bytes(b"%PDF-1.4 not really a pdf, but these bytes belong to a withheld item")
    (site / "assets" / "copy.bin").write_bytes(secret_file.read_bytes())  # renamed, under the theme's folder
    pub = dataclasses.replace(_pub(demo_site), withheld_attachments=(("files/2026/tanpan.pdf", str(secret_file)),))
    report = audit.run_audit(site, pub, config)
    assert ("assets/copy.bin", "withheld-file") in _hits(report)


def test_a_page_left_at_a_withheld_items_url(demo_site, config, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(demo_site.out, site, ignore=shutil.ignore_patterns("pagefind*"))
    secret = _classified(demo_site)
    (site / secret.url).mkdir(parents=True)
    (site / secret.url / "index.html").write_text("<p>旧页面</p>", encoding="utf-8")
    report = audit.run_audit(site, _pub(demo_site), config)
    assert (f"{secret.url}index.html", "withheld-file") in _hits(report)


def test_portal_audit_command(planted):
    site, _expected, _report = planted
    done = run_portal("audit", str(site), "--work", str(site.parent / "work"))
    assert done.returncode == 1, done.stderr
    assert "feed.xml：[pii]" in done.stdout and "files/2026/mingdan.csv" in done.stdout
    assert "上线前终审" in done.stderr and "Traceback" not in done.stderr
    missing = run_portal("audit", str(site.parent / "nowhere"))
    assert missing.returncode == 1 and "不是目录" in missing.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_or_socket_in_the_site_is_a_finding_not_skipped(demo_site, config, tmp_path):
    """Nothing but regular files (and links the manifest refuses) may be in a site: a FIFO or a
    socket planted into a deployed folder was left out of ``portal audit`` quietly."""
    import socket
    import tempfile

    site = tmp_path / "site"
    shutil.copytree(demo_site.out, site, ignore=shutil.ignore_patterns("pagefind*"))
    os.mkfifo(site / "pipe.csv")
    sock = socket.socket(socket.AF_UNIX)
    short = Path(tempfile.mkdtemp(dir="/tmp")) / "s"  # a socket's path is at most 107 bytes: made short, moved in
    sock.bind(str(short))
    os.replace(short, site / "s.sock")
    try:
        report = audit.run_audit(site, _pub(demo_site), config)
        assert {("pipe.csv", "audit-unreadable"), ("s.sock", "audit-unreadable")} <= _hits(report)
        done = run_portal("audit", str(site), "--work", str(tmp_path / "work"))
    finally:
        sock.close()
    assert done.returncode == 1 and "pipe.csv" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.skipif(not parallel.FORK_SAFE, reason="one process only off Linux")
def test_the_audit_on_fresh_workers_finds_what_one_process_finds(planted, demo_site, config, monkeypatch):
    """The workers are not forked from the build (pipeline.parallel.map_fresh): they make their
    own checker from the same rules and needles, and report every planted leak as one process does."""
    site, _expected, _report = planted
    one = audit.run_audit(site, _pub(demo_site), config, jobs=1)
    here: list[int] = []
    real = audit._Checker.run
    monkeypatch.setattr(audit._Checker, "run", lambda self, rels: here.append(len(rels)) or real(self, rels))
    two = audit.run_audit(site, _pub(demo_site), config, jobs=2)
    assert here == []  # every file was read in a worker, whose checker is its own
    assert (two.hits, two.files, two.skipped, two.needles) == (one.hits, one.files, one.skipped, one.needles)
    assert len(one.hits) > 10


def test_the_pieces_memo_is_bounded_and_changes_no_verdict(planted, demo_site, config, monkeypatch):
    """A checker starts its memo of HTML pieces afresh past audit.PIECE_MEMO_BYTES (it grew
    with the site: ~1.5 GB an audit worker at 50k items); the hits are the same."""
    site, _expected, report = planted
    html = [rel for rel in audit.site_files(site) if rel.endswith(".html")]
    scanners = audit.Scanners(config.confidentiality, config.portal.public_phones)
    unbounded = audit._Checker(scanners, audit.Withheld(), site)
    unbounded.run_content(html)
    monkeypatch.setattr(audit, "PIECE_MEMO_BYTES", 50_000)
    bounded = audit._Checker(scanners, audit.Withheld(), site)
    bounded.run_content(html)
    assert unbounded.held > 10 * 50_000 and bounded.held <= 50_000
    assert len(bounded.pieces) < len(unbounded.pieces) / 5
    small = audit.run_audit(site, _pub(demo_site), config, jobs=1)  # this process, memo started afresh often
    assert (small.hits, small.files, small.needles) == (report.hits, report.files, report.needles)


# --- reading pieces of files -------------------------------------------------------------------


def test_html_pieces_seen_before_report_their_hits_in_every_file(config, tmp_path):
    scanners = audit.Scanners(config.confidentiality, config.portal.public_phones)
    checker = audit._Checker(scanners, audit.Withheld(), tmp_path)
    nav = "".join(f"<nav><ul><li>栏目{i}</li></ul></nav>\n" for i in range(20))
    leak = "<p>【机密】</p>"
    first = checker.scan_html((nav + leak + "<p>甲</p>").encode())
    second = checker.scan_html((nav + leak + "<p>乙</p>").encode())  # the leaking piece is known by now
    assert [h[0] for h in first] == ["marker"] and [h[0] for h in second] == ["marker"]
    assert checker.scan_html((nav + "<p>丙</p>").encode()) == []


def test_reader_keeps_what_htmlparser_would_drop():
    text, _attrs, comments, tags = audit.read_html("<p>a</p><script>var x = '机密★'")  # unclosed script
    assert "机密★" in text and "script" in tags
    text, *_ = audit.read_html("<rss><description><![CDATA[秘密★1年]]></description></rss>")
    assert "秘密★1年" in text
    _text, _attrs, comments, _tags = audit.read_html("<!DOCTYPE 绝密★><p>x</p>")
    assert any("绝密★" in c for c in comments)


def test_cbor_strings():
    # {"w": ["机密", 13912345678]} as CBOR
    data = b"\xa1\x61w\x82\x66" + "机密".encode() + b"\x1b" + (13912345678).to_bytes(8, "big")
    assert list(audit._cbor_strings(data)) == ["w", "机密", "13912345678"]
    with pytest.raises(ValueError):
        list(audit._cbor_strings(b"\x7a\xff\xff\xff\xff"))  # a string longer than the data


def test_a_broken_pagefind_file_fails_the_audit(demo_site, config, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(demo_site.out, site)
    fragment = _gz_fragment(site)
    fragment.write_bytes(fragment.read_bytes()[:40])  # truncated gzip
    report = audit.run_audit(site, _pub(demo_site), config)
    assert (fragment.relative_to(site).as_posix(), "audit-unreadable") in _hits(report)


# --- the build fails closed ---------------------------------------------------------------------


def test_a_renderer_leak_fails_the_build_and_leaves_the_site(content_copy, tmp_path, monkeypatch):
    built = build_site(tmp_path / "first", content=content_copy)
    before = {p.relative_to(built.out).as_posix(): p.read_bytes() for p in built.out.rglob("*") if p.is_file()}
    secret = next(w.item for w in built.result.publication.withheld if w.item.classified)
    real = build_mod.docs_tree_files

    def leaky(pub, *args, **kwargs):  # a renderer bug: a withheld item's title in the home page
        files, site_nav, findings = real(pub, *args, **kwargs)
        files["index.md"] = files["index.md"] + f"\n\n最新：{secret.title}\n"
        return files, site_nav, findings

    monkeypatch.setattr(build_mod, "docs_tree_files", leaky)
    options = build_mod.BuildOptions(
        content=content_copy,
        config_dir=ROOT / "site_config",
        out=built.out,
        work=built.work,
        mkdocs_file=ROOT / "mkdocs.yml",
    )
    with pytest.raises(build_mod.BuildFailed) as failed:
        build_mod.build(options, load_config(ROOT / "site_config"))
    assert "上线前终审" in str(failed.value)
    assert any(f.path == "index.html" and f.rule == "withheld-text" for f in failed.value.findings)
    after = {p.relative_to(built.out).as_posix(): p.read_bytes() for p in built.out.rglob("*") if p.is_file()}
    assert after == before  # the live site is the previous build, byte for byte


# --- the PII prefilter never hides a number the scanner would report ------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SCANNERS: list = []


def _scanners():
    config = load_config(ROOT / "site_config")
    return audit.Scanners(config.confidentiality, config.portal.public_phones)


_digits_and_separators = st.text(st.sampled_from("0123456789 -.·—x+86电话号,，一三八〇四二六九"), max_size=40)


@settings(max_examples=400, deadline=None)
@given(_digits_and_separators)
def test_the_pii_prefilter_passes_every_text_the_scanner_flags(text):
    scanners = _SCANNERS[0] if _SCANNERS else _SCANNERS.append(_scanners()) or _SCANNERS[0]
    for sample in (text, "13912345678" + text, text + VALID_ID, "139 1234 5678" + text):
        if scanners.pii.scan(audit.normalise(sample)):
            assert audit._may_hold_pii(audit.normalise(sample).text), sample
