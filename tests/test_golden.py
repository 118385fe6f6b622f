"""Golden whole-site test: a small fixed site built and compared byte for byte with its committed output.

Unit tests assert on what they think of; this one notices any change to any page, feed, sitemap or
statistics file of ``tests/golden/content``. On a failure it prints the files that differ and a
unified diff of the first ones. After an intended change: ``make golden``, and review the diff of
``tests/golden/expected/`` in the commit. What is built and what is not compared: ``golden_site.py``.
"""

from __future__ import annotations

import shutil

import pytest
from golden_site import EXPECTED, build, compared_files, differences


def test_golden_site_is_byte_identical_to_the_committed_output(tmp_path):
    report = differences(build(tmp_path))
    if report:
        pytest.fail(report, pytrace=False)


def test_golden_content_keeps_what_it_is_there_for():
    """The fixed set still has its withheld item and its duplicate: neither silently lost."""
    files = compared_files(EXPECTED)
    pages = [rel.split("/") for rel in files if rel.endswith("/index.html")]
    item_sites = {parts[0] for parts in pages if len(parts) == 4 and parts[1].isdigit()}  # <site>/<year>/<slug>/
    assert item_sites == {"bureau", "donghu", "bonded-zone"}
    assert "donghu/2026/2026-02-05-retail-enterprise-monitoring/index.html" not in files  # 不予公开: withheld
    assert "bonded-zone/2025/2025-11-14-ciie-8th-repost/index.html" in files  # a repeat: published, counted once
    sitemap = files["sitemap.xml"].read_text(encoding="utf-8")
    assert "retail-enterprise-monitoring" not in sitemap and "ciie-8th-repost" in sitemap


def test_the_comparison_reports_a_changed_a_missing_and_an_extra_file(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(EXPECTED, site)
    assert differences(site) == ""
    page = site / "bureau" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("江临市商务局", "江临市商务厅", 1), encoding="utf-8")
    (site / "feed.xml").unlink()
    (site / "stats" / "new.csv").write_text("a,b\n", encoding="utf-8")
    (site / "assets" / "ignored.js").parent.mkdir(parents=True)
    (site / "assets" / "ignored.js").write_text("// theme asset: not compared\n", encoding="utf-8")
    report = differences(site)
    assert "1 changed, 1 missing, 1 extra" in report
    assert "missing: feed.xml" in report and "extra:   stats/new.csv" in report and "ignored.js" not in report
    assert "--- expected/bureau/index.html" in report and "+++ built/bureau/index.html" in report
    assert any(line.startswith("+") and "江临市商务厅" in line for line in report.splitlines())
