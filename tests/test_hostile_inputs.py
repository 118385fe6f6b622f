"""Inputs that can't hurt (issue 12 §4): hostile YAML, symbolic links, huge files, extreme dates
and files the loader does not take each get a named finding — never a traceback, a hang, a
memory blow-up, a silent drop or a fan-out of pages."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, run_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import build as build_mod
from pipeline import load, publication, safe_yaml
from pipeline.config import ConfigError, load_config

CONFIG = load_config(ROOT / "site_config")
BODY = "江临市商务局召开外贸企业座谈会，听取企业对稳外贸政策的意见建议，研究部署下一步工作。" * 6
REFERENCE = date(2026, 11, 28)
ITEM_DIR = "items/bureau/2026"


def front(**fields) -> str:
    base = {
        "title": "测试信息",
        "date": "2026-03-15 09:30",
        "site": "bureau",
        "column": "news",
        "author": "李晓梅",
        "reviewer": "王建国",
    }
    base.update(fields)
    return "".join(f"{k}: {v}\n" for k, v in base.items() if v is not None)


def item_text(head: str, body: str = BODY) -> str:
    return f"---\n{head}---\n\n{body}\n"


def put(content: Path, rel: str, text: str | bytes) -> Path:
    path = content / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def run(content: Path, reference: date | None = REFERENCE, config=CONFIG):
    return publication.run(content, config, upstream_db=None, reference=reference)


def found(pub, rel: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in pub.findings:
        if f.path == rel:
            out.setdefault(f.rule, []).append(f)
    return out


def published_paths(pub) -> set[str]:
    return {i.path for i in pub.published}


# ------------------------------------------------------------------ hostile YAML

LOL = '["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'


def _bomb_in(field: str) -> str:
    """A billion-laughs alias bomb as the value of ``field``: ten anchored lists, each nine
    aliases of the one before (10⁹ strings when expanded)."""
    rows = [f"  - &a{i} [" + (",".join([f"*a{i - 1}"] * 9) if i else LOL[1:-1]) + "]" for i in range(10)]
    return front(**{field: None}) + f"{field}:\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("field", ["classified", "date", "attachments", "title", "tags"])
def test_alias_bomb_is_refused_in_milliseconds(content_copy, field):
    rel = f"{ITEM_DIR}/2026-03-15-bomb-{field}.md"
    put(content_copy, rel, item_text(_bomb_in(field)))
    t0 = time.perf_counter()
    rusage0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pub = run(content_copy)
    assert time.perf_counter() - t0 < 30  # the whole demo pipeline; the bomb itself costs nothing
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rusage0 < 200_000  # KB: nothing was expanded
    rules = found(pub, rel)
    assert "yaml-alias" in rules, rules
    finding = rules["yaml-alias"][0]
    assert field in finding.message and finding.line and finding.severity == "error"
    assert rel not in published_paths(pub)


@pytest.mark.parametrize(
    "yaml_text, rule, field",
    [
        ("tags: &t [外贸]\n", "yaml-alias", "tags"),  # an anchor alone
        ("summary: x\nkeywords_: *nowhere\n", "yaml-alias", "keywords_"),  # an alias alone (even an unknown one)
        (
            "attachments:\n  - name: a\n    file: &f files/a.pdf\n  - name: b\n    file: *f\n",
            "yaml-alias",
            "attachments[1].file",
        ),
        ("summary:\n  <<: *base\n", "yaml-alias", "summary.<<"),
        ("summary: !!python/object/apply:os.system ['touch /tmp/portal-pwned']\n", "bad-yaml", "summary"),
        ("summary: !!binary aGVsbG8=\n", "bad-yaml", "summary"),
        ("tags: !!set {a, b}\n", "bad-yaml", "tags"),
        ("summary: !custom x\n", "bad-yaml", "summary"),
        (
            "summary: " + "[" * 30_000 + "]" * 30_000 + "\n",
            "bad-yaml",
            "summary",
        ),  # libyaml's composer crashes the process at ~100k
        ("summary: " + "{a: " * 30 + "1" + "}" * 30 + "\n", "bad-yaml", "summary"),
        ("? [a, b]\n: c\n", "bad-yaml", None),  # a complex key
    ],
)
def test_unsafe_yaml_is_named(tmp_path, yaml_text, rule, field):
    file = put(tmp_path, f"{ITEM_DIR}/2026-03-15-x.md", item_text(front() + yaml_text))
    with pytest.raises(load._Reject) as refused:
        load.load_item(file, f"{ITEM_DIR}/2026-03-15-x.md", CONFIG)
    finding = refused.value.finding
    assert finding.rule == rule, finding
    if field:
        assert f"“{field}" in finding.message
    assert finding.line and re.search(r"[\u4e00-\u9fff]", finding.message)
    assert not Path("/tmp/portal-pwned").exists()


def test_safe_yaml_passes_ordinary_yaml_unchanged():
    text = "a: 1\nb: [x, 'y', \"z\"]\nc: {d: null, e: true, f: 1.5}\nlong: |\n  多行\n  文字\nstr: !!str 12\n"
    assert safe_yaml.load(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "name, text",
    [
        ("sites.yaml", "x: &a [1]\ny: *a\n"),
        ("portal.yaml", "name: " + "[" * 50_000 + "]" * 50_000 + "\n"),
        ("columns.yaml", "columns: !!python/name:os.system\n"),
    ],
)
def test_config_with_unsafe_yaml_is_a_config_error(tmp_path, name, text):
    import shutil

    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    (config_dir / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(config_dir)
    assert name in str(refused.value) and "YAML" in refused.value.message
    proc = run_portal("check", "--config", str(config_dir))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and name in proc.stderr


def test_ledger_and_disclosure_with_aliases_are_findings_not_crashes(content_copy):
    ledger = content_copy / "index_numbers.yaml"
    ledger.write_text(
        ledger.read_text(encoding="utf-8").replace("items:", "x: &x [1]\ny: *x\nitems:", 1), encoding="utf-8"
    )
    disclosure = content_copy / "disclosure" / "2025.yaml"
    disclosure.write_text("deep: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    pub = run(content_copy)
    assert [f for f in pub.findings if f.rule == "index-ledger" and "yaml-alias" in f.message]
    from pipeline import report

    rep, findings = report.compute(2025, pub.report_data, pub.counted, CONFIG)
    assert rep is None and findings[0].rule == "report-data" and "嵌套" in findings[0].message


# ------------------------------------------------------------------ sizes


def test_front_matter_over_64_kb(tmp_path):
    rel = f"{ITEM_DIR}/2026-03-15-big-head.md"
    file = put(tmp_path, rel, item_text(front(summary="长" * 30_000)))  # 90 KB of UTF-8
    with pytest.raises(load._Reject) as refused:
        load.load_item(file, rel, CONFIG)
    assert refused.value.finding.rule == "front-matter-too-large" and "64 KB" in refused.value.finding.message
    file.write_text("---\n" + "a: b\n" * 20_000, encoding="utf-8")  # 100 KB and never closed
    with pytest.raises(load._Reject) as refused:
        load.load_item(file, rel, CONFIG)
    assert refused.value.finding.rule == "front-matter-too-large"
    file.write_text(item_text(front(summary="长" * 20_000)), encoding="utf-8")  # 60 KB: fine
    assert load.load_item(file, rel, CONFIG).summary.startswith("长")


def test_body_over_the_configured_size(content_copy, tmp_path):
    rel = f"{ITEM_DIR}/2026-03-15-big-body.md"
    put(content_copy, rel, item_text(front(), "正" * 800_000))  # 2.4 MB
    pub = run(content_copy)
    assert "body-too-large" in found(pub, rel) and "max_body_kb" in found(pub, rel)["body-too-large"][0].message
    import shutil

    config_dir = tmp_path / "cfg"
    shutil.copytree(ROOT / "site_config", config_dir)
    portal = config_dir / "portal.yaml"
    portal.write_text(
        portal.read_text(encoding="utf-8").replace("max_body_kb: 2048", "max_body_kb: 4096"), encoding="utf-8"
    )
    assert rel in published_paths(run(content_copy, config=load_config(config_dir)))


def test_a_5_gb_file_is_not_read(content_copy, tmp_path):
    """A sparse 5 GB item: refused from its size, in a subprocess whose peak memory is measured."""
    rel = f"{ITEM_DIR}/2026-03-15-huge.md"
    path = put(content_copy, rel, item_text(front()))
    with path.open("r+b") as fh:
        fh.truncate(5 * 1024**3)
    script = textwrap.dedent(f"""
        import json, resource, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pipeline import publication
        from pipeline.config import load_config
        t0 = time.perf_counter()
        pub = publication.run({str(content_copy)!r}, load_config({str(ROOT / "site_config")!r}), upstream_db=None)
        rules = [f.rule for f in pub.findings if f.path == {rel!r}]
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"rules": rules, "s": time.perf_counter() - t0, "rss_kb": rss_kb}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rules"] == ["body-too-large"]
    assert (
        result["rss_kb"] < 1_000_000 and result["s"] < 120
    )  # the bound: under 1 GB; a hang guard, not a timing test


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "value, verdict",
    [
        ("9999-12-31", "bad-date"),
        ("9999-12-31T23:59:00-12:00", "bad-date"),
        ("0001-01-01T00:00:00+14:00", "bad-date"),
        ("0001-01-01", "bad-date"),
        ("1900-01-01", "bad-date"),
        ("1948-12-31 23:59", "bad-date"),
        ("2028-01-01", "bad-date"),  # more than a year after the reference day
        ("1949-01-01", "ok"),
        ("2027-05-01", "future-date"),  # within a year: a warning, published
        ("2026-03-15T09:30:00.123456+08:00", "ok"),
        ("2026-03-15T01:30:00Z", "ok"),
        ("2026-03-15 09:30:00-05:00", "ok"),
        ("2026/03/15", "ok"),
        ("2026-02-30", "bad-date"),
        ("20260315", "bad-date"),
        ("1e400", "bad-date"),
        ("-2026-03-15", "bad-date"),
        ("'2026-03-15\\x00'", "bad-date"),
        ("[2026, 3, 15]", "bad-date"),
        ("{y: 2026}", "bad-date"),
        ("99999999999999999999-01-01", "bad-date"),
        ("'" + "2" * 5000 + "'", "bad-date"),
    ],
)
def test_dates_outside_the_plausible_range_are_withheld(content_copy, value, verdict):
    rel = f"{ITEM_DIR}/2026-03-15-date.md"
    put(content_copy, rel, item_text(front(date=value)))
    pub = run(content_copy)
    rules = found(pub, rel)
    if verdict == "ok":
        assert rel in published_paths(pub) and "bad-date" not in rules, rules
    elif verdict == "future-date":
        assert rel in published_paths(pub) and "future-date" in rules, rules
    else:
        assert rel not in published_paths(pub) and "bad-date" in rules, rules
        assert len(rules["bad-date"][0].message) < 300  # a 5,000-character value is not echoed in full


@pytest.mark.parametrize(
    "value, withheld",
    [("9999-12-31", True), ("1900-01-01", True), ("0001-01-01T00:00+14:00", True), ("2026-04-01", False)],
)
def test_dates_in_the_change_record_are_checked_too(content_copy, value, withheld):
    rel = f"{ITEM_DIR}/2026-03-15-changed.md"
    put(content_copy, rel, item_text(front() + f"changes:\n  - date: {value}\n    note: 更正了联系电话\n"))
    pub = run(content_copy)
    assert (rel not in published_paths(pub)) is withheld
    assert ("bad-date" in found(pub, rel)) is withheld


def test_extreme_dates_do_not_crash_or_fan_out_the_build(tmp_path, content_copy):
    """9999 and 1900 are withheld; a plausible but old 1950 item adds at most a year of 通报."""
    plain = build_mod.build(
        build_mod.BuildOptions(
            content=content_copy, out=tmp_path / "a", work=tmp_path / "wa", render_site=False, as_of=REFERENCE
        ),
        CONFIG,
    )
    put(content_copy, "items/bureau/2026/2026-03-15-far-future.md", item_text(front(date="9999-12-31")))
    put(content_copy, "items/bureau/2026/2026-03-15-far-past.md", item_text(front(date="1900-01-01")))
    put(content_copy, "items/bureau/1950/1950-06-01-old.md", item_text(front(date="1950-06-01", title="旧信息")))
    hostile = build_mod.build(
        build_mod.BuildOptions(
            content=content_copy, out=tmp_path / "b", work=tmp_path / "wb", render_site=False, as_of=REFERENCE
        ),
        CONFIG,
    )
    assert {f.path for f in hostile.findings if f.rule == "bad-date"} >= {
        "items/bureau/2026/2026-03-15-far-future.md",
        "items/bureau/2026/2026-03-15-far-past.md",
    }
    tongbao = lambda work: sorted(p.name for p in (work / "docs" / "stats" / "tongbao").glob("*.md"))  # noqa: E731
    extra = set(tongbao(tmp_path / "wb")) - set(tongbao(tmp_path / "wa"))
    assert extra == {f"1950-{m:02d}.md" for m in range(6, 13)}
    assert hostile.docs_files - plain.docs_files < 60  # the item, its year pages and 7 通报, not thousands
    assert plain.docs_files > 100


@pytest.mark.parametrize(
    "args",
    [
        ("stats", "--as-of", "9999-12-31"),
        ("stats", "--as-of", "0001-01-01"),
        ("health", "--as-of", "9999-12-31"),
        ("report", "--year", "9999"),
        ("report", "--year", "0001"),
        ("check", "--as-of", "9999-12-31"),
        ("check", "--as-of", "0001-01-01"),
    ],
)
def test_extreme_years_on_the_command_line(args):
    proc = run_portal(*args)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1, 2)


@pytest.mark.parametrize("epoch", ["99999999999999999999", "253402300800"])
def test_source_date_epoch_past_the_calendar(epoch):
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SOURCE_DATE_EPOCH": epoch},
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "SOURCE_DATE_EPOCH" in proc.stderr


def test_extreme_years_in_data_files(content_copy):
    (content_copy / "disclosure" / "9999.yaml").write_text("year: 9999\n", encoding="utf-8")
    (content_copy / "disclosure" / "0001.yaml").write_text("year: 1\n", encoding="utf-8")
    data = (content_copy / "disclosure" / "2025.yaml").read_text(encoding="utf-8")
    (content_copy / "disclosure" / "2025.yaml").write_text(
        data.replace("year: 2025", "year: 99999999999999999999999"), encoding="utf-8"
    )
    ledger = content_copy / "index_numbers.yaml"
    ledger.write_text(
        re.sub(r"year: \d+", "year: 99999999999999999999", ledger.read_text(encoding="utf-8"), count=1),
        encoding="utf-8",
    )
    proc = run_portal(
        "build",
        "--content",
        str(content_copy),
        "--out",
        str(content_copy.parent / "site"),
        "--work",
        str(content_copy.parent / "w"),
        "--jobs",
        "1",
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    review = json.loads((content_copy.parent / "w" / "review.json").read_text(encoding="utf-8"))
    text = json.dumps(review, ensure_ascii=False)
    assert "9999.yaml" in text or proc.returncode in (0, 1)


# ------------------------------------------------------------------ symbolic links and other routes


def test_symlink_leaving_content_is_an_error_and_never_read(content_copy, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(item_text(front(title="外部机密文件标题")), encoding="utf-8")
    rel = f"{ITEM_DIR}/2026-03-15-linked-out.md"
    (content_copy / rel).symlink_to(outside)
    os.symlink(tmp_path, content_copy / "items" / "bureau" / "outside-folder")
    (content_copy / "pages" / "leak.md").symlink_to(outside)
    (content_copy / "files").mkdir(exist_ok=True)
    (content_copy / "files" / "leak.pdf").symlink_to(outside)
    pub = run(content_copy)
    for path in (rel, "items/bureau/outside-folder", "pages/leak.md", "files/leak.pdf"):
        assert "symlink" in found(pub, path), (path, found(pub, path))
        assert found(pub, path)["symlink"][0].severity == "error"
    assert all(i.title != "外部机密文件标题" for i in pub.published)
    from pipeline.render import pages

    loaded, _ = pages.load_pages(content_copy)
    assert "leak" not in {p.name for p in loaded}


def test_symlinked_folder_inside_content_is_followed_once(content_copy):
    real = content_copy / "items" / "bureau" / "2026"
    alias = content_copy / "items" / "office" / "linked-2026"
    alias.symlink_to(real)  # the same folder by a second route: read once, by its own route
    loop = content_copy / "items" / "bureau" / "2026" / "loop"
    loop.symlink_to(content_copy / "items")  # a loop
    extra = content_copy / "drafts-real"
    put(content_copy, "drafts-real/2026-03-16-via-link.md", item_text(front(date="2026-03-16", title="经链接发布")))
    (content_copy / "items" / "bureau" / "2025-linked").symlink_to(extra)  # a folder reached only by a link
    t0 = time.perf_counter()
    pub = run(content_copy)
    assert time.perf_counter() - t0 < 60
    assert "symlink" in found(pub, "items/office/linked-2026") and "symlink" in found(pub, "items/bureau/2026/loop")
    assert any(i.path == "items/bureau/2025-linked/2026-03-16-via-link.md" for i in pub.published)
    assert not [p for p in published_paths(pub) if "linked-2026" in p or "/loop/" in p]
    # the file itself, outside items/, is reported as not taken by its own route
    assert "ignored-file" in found(pub, "drafts-real/2026-03-16-via-link.md")


def test_broken_link_fifo_and_linked_file_inside_content(content_copy):
    (content_copy / "items" / "bureau" / "2026" / "2026-03-15-broken.md").symlink_to(content_copy / "nowhere.md")
    os.mkfifo(content_copy / "items" / "bureau" / "2026" / "2026-03-15-fifo.md")
    source = next((content_copy / "items" / "bureau" / "2026").glob("*.md"))
    (content_copy / "items" / "bureau" / "2026" / "2026-03-15-same.md").symlink_to(source)
    t0 = time.perf_counter()
    pub = run(content_copy)  # a FIFO opened for reading would block forever
    assert time.perf_counter() - t0 < 60
    assert "symlink" in found(pub, "items/bureau/2026/2026-03-15-broken.md")
    assert "unreadable" in found(pub, "items/bureau/2026/2026-03-15-fifo.md")
    loaded = {i.path for i in pub.published} | {w.item.path for w in pub.withheld} | {f.path for f in pub.findings}
    assert "items/bureau/2026/2026-03-15-same.md" in loaded  # read from its target inside content/


# ------------------------------------------------------------------ files the loader does not take


@pytest.mark.parametrize(
    "rel, warned",
    [
        (f"{ITEM_DIR}/2026-03-15-upper.MD", True),
        (f"{ITEM_DIR}/2026-03-15-long.markdown", True),
        (f"{ITEM_DIR}/2026-03-15-windows.md.txt", True),
        (f"{ITEM_DIR}/photo.jpg", True),
        (f"{ITEM_DIR}/.hidden.md", True),
        ("items/bureau/.drafts/2026-03-15-x.md", True),
        ("drafts/2026-03-15-x.md", True),
        ("2026-03-15-x.md", True),
        ("pages/sub/page.md", True),
        ("pages/Page.MD", True),
        ("disclosure/notes.md", True),
        ("README.md", False),
        ("disclosure/README.md", False),
        ("files/2026/manual.md", False),  # an attachment
        ("files/2026/report.pdf", False),
        ("upstream/extra.xml", False),
        (f"{ITEM_DIR}/.gitkeep", False),
    ],
)
def test_ignored_files_are_named(content_copy, rel, warned):
    put(content_copy, rel, item_text(front()))
    pub = run(content_copy)
    where = "items/bureau/.drafts" if ".drafts" in rel else rel
    rules = found(pub, where)
    assert ("ignored-file" in rules) is warned, rules
    if warned:
        assert rules["ignored-file"][0].severity == "warning" and re.search(
            r"[\u4e00-\u9fff]", rules["ignored-file"][0].message
        )
    assert rel not in published_paths(pub)


def test_check_lists_the_new_rules(content_copy):
    put(content_copy, f"{ITEM_DIR}/2026-03-15-alias.md", item_text(front() + "tags: &t [外贸]\n"))
    put(content_copy, f"{ITEM_DIR}/2026-03-15-ancient.md", item_text(front(date="1900-01-01")))
    put(content_copy, f"{ITEM_DIR}/note.markdown", "x")
    proc = run_portal("check", "--content", str(content_copy), "--format", "json", "--as-of", "2026-11-28")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    rules = {(f["path"], f["rule"]) for f in json.loads(proc.stdout)}
    assert {
        (f"{ITEM_DIR}/2026-03-15-alias.md", "yaml-alias"),
        (f"{ITEM_DIR}/2026-03-15-ancient.md", "bad-date"),
        (f"{ITEM_DIR}/note.markdown", "ignored-file"),
    } <= rules


# ------------------------------------------------------------------ property: nothing generated hurts

_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            "9999-12-31",
            "0001-01-01",
            "1900-01-01",
            "2026-02-30",
            "2026-03-15T09:30+14:00",
            "&a x",
            "*a",
            "<<",
            "---",
            "...",
            "!!binary aGk=",
            "{",
            "[",
            "'",
            '"',
            "\\",
            "\x00",
            "\ufeff",
            "：",
            "机密★",
            "files/../../etc/passwd",
        ]
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
_keys = st.sampled_from(list(load.KNOWN_KEYS) + ["x", "date", "date", "title"])


@st.composite
def front_matters(draw) -> str:
    """Front matter text: YAML dumped from generated values, raw generated text, or a mix."""
    how = draw(st.sampled_from(["dump", "raw", "mixed", "anchors"]))
    if how == "raw":
        return draw(st.text(max_size=300))
    values = {k: draw(_values) for k in draw(st.lists(_keys, max_size=10))}
    values.setdefault("title", "标题")
    try:
        text = yaml.safe_dump(values, allow_unicode=True, default_flow_style=draw(st.booleans()))
    except yaml.YAMLError:
        text = "title: x\n"
    if how == "mixed":
        text += draw(st.text(max_size=100))
    if how == "anchors":
        text += "x1: &a [1, 2]\nx2: *a\n"
    return text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(head=front_matters(), body=st.text(max_size=2000), bom=st.booleans(), crlf=st.booleans())
def test_no_generated_front_matter_or_body_makes_loading_fail(tmp_path, head, body, bom, crlf):
    text = ("\ufeff" if bom else "") + f"---\n{head}\n---\n{body}"
    if crlf:
        text = text.replace("\n", "\r\n")
    file = tmp_path / "2026-03-15-gen.md"
    file.write_bytes(text.encode("utf-8", "surrogatepass"))
    t0 = time.perf_counter()
    try:
        item = load.load_item(file, f"{ITEM_DIR}/2026-03-15-gen.md", CONFIG)
    except load._Reject as refused:
        assert refused.finding.rule and refused.finding.message
    else:
        load.check_dates([item], CONFIG, REFERENCE)
        assert item.title
    assert time.perf_counter() - t0 < 2


GENERATED = 12


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(
    heads=st.lists(front_matters(), min_size=GENERATED, max_size=GENERATED),
    bodies=st.lists(st.text(max_size=800), min_size=GENERATED, max_size=GENERATED),
)
def test_generated_items_build_within_1_gb(tmp_path_factory, heads, bodies):
    """Generated items (plus valid front matter with generated values) through the pipeline and
    the docs tree in a subprocess: no traceback, bounded time, peak memory under 1 GB."""
    tmp = tmp_path_factory.mktemp("gen")
    content = tmp / "content"
    import shutil

    shutil.copytree(ROOT / "content", content)
    for n, (head, body) in enumerate(zip(heads, bodies)):
        if n % 2:  # half of them are valid items with one generated field value
            head = front(date=json.dumps(head[:40]) if n % 4 == 1 else "2026-03-15", summary=json.dumps(head[:200]))
        put(
            content, f"{ITEM_DIR}/2026-03-15-gen-{n}.md", f"---\n{head}\n---\n{body}\n".encode("utf-8", "surrogatepass")
        )
    script = textwrap.dedent(f"""
        import json, resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from pipeline import build
        from pipeline.config import load_config
        from datetime import date
        options = build.BuildOptions(content=Path({str(content)!r}), out=Path({str(tmp / "site")!r}),
                                     work=Path({str(tmp / "work")!r}), render_site=False,
                                     as_of=date(2026, 11, 28), jobs=1)
        result = build.build(options, load_config({str(ROOT / "site_config")!r}))
        print(json.dumps({{"docs": result.docs_files, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rss_kb"] < 1024 * 1024 and result["docs"] < 2000


def test_one_real_build_with_hostile_items(tmp_path, content_copy):
    """The real CLI build (mkdocs and all) over a bomb, a deep nest, a 9999 date, a link out and
    a huge body: exit status 0 without --strict, the hostile items named, peak memory < 1 GB."""
    put(content_copy, f"{ITEM_DIR}/2026-03-15-bomb.md", item_text(_bomb_in("classified")))
    put(
        content_copy,
        f"{ITEM_DIR}/2026-03-15-deep.md",
        item_text(front() + "summary: " + "[" * 30_000 + "]" * 30_000 + "\n"),
    )
    put(content_copy, f"{ITEM_DIR}/2026-03-15-future.md", item_text(front(date="9999-12-31")))
    put(content_copy, f"{ITEM_DIR}/2026-03-15-huge.md", item_text(front(), "大" * 1_000_000))
    (content_copy / ITEM_DIR / "2026-03-15-out.md").symlink_to("/etc/hostname")
    script = textwrap.dedent(f"""
        import resource, subprocess, sys
        args = ["build", "--content", {str(content_copy)!r}, "--out", {str(tmp_path / "site")!r},
                "--work", {str(tmp_path / "work")!r}, "--as-of", "2026-11-28", "--jobs", "1"]
        done = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd={str(ROOT)!r},
                              capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    code, rss_kb = map(int, out.stdout.split())
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert code == 0 and rss_kb < 1024 * 1024
    for rule in ("yaml-alias", "bad-yaml", "bad-date", "body-too-large", "symlink"):
        assert f"[{rule}]" in out.stderr, rule  # the build lists every problem with its rule
    assert (tmp_path / "site" / "index.html").is_file()


def test_data_files_linked_out_of_content_are_not_read(content_copy, tmp_path):
    """The annual report's data and the 索引号 ledger are never read through a link leaving content/."""
    from pipeline import numbering, report, report_data

    outside = tmp_path / "elsewhere.yaml"
    outside.write_text((content_copy / "disclosure" / "2025.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (content_copy / "disclosure" / "2025.yaml").unlink()
    (content_copy / "disclosure" / "2025.yaml").symlink_to(outside)
    rep, findings = report.compute(2025, report_data.read(content_copy), (), CONFIG)
    assert rep is None and "[symlink]" in findings[0].message
    ledger_out = tmp_path / "ledger.yaml"
    ledger_out.write_text((content_copy / "index_numbers.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (content_copy / "index_numbers.yaml").unlink()
    (content_copy / "index_numbers.yaml").symlink_to(ledger_out)
    ledger, found_ledger, trusted = numbering.read_ledger(content_copy, CONFIG)
    assert ledger is None and not trusted and "[symlink]" in found_ledger[0].message
    pub = run(content_copy)
    assert {"disclosure/2025.yaml", "index_numbers.yaml"} <= {f.path for f in pub.findings if f.rule == "symlink"}


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x17", "\x1f", "\ufffe"])
def test_a_control_character_is_an_encoding_error_not_a_failed_build(content_copy, char):
    rel = f"{ITEM_DIR}/2026-03-15-control.md"
    put(content_copy, rel, item_text(front(title=f"标题{char}测试")))
    pub = publication.run(content_copy, load_config(ROOT / "site_config"), upstream_db=None)
    assert [f.rule for f in pub.findings if f.path == rel] == ["encoding"]
    assert rel not in {i.path for i in pub.published}
