"""pipeline.mkdocs_files: mkdocs' get_files with each File remembered between builds (issue 15).

Whatever the memo holds, the files, their order and every attribute mkdocs or a plugin reads are
those of mkdocs' own ``get_files`` followed by ``set_exclusions``: after files are added and
removed, when the settings they depend on change, and when the memo is forged or damaged.
"""

from __future__ import annotations

import logging

import msgpack
import pytest
from mkdocs.structure.files import File

from files_probe import config_for, described, mkdocs_described, write_docs
from pipeline import audit_cache, mkdocs_files

NAMES = (
    "index.md",
    "about.md",
    "bureau/index.md",
    "bureau/2026/2026-03-01-通知.md",
    "bureau/2026/2026-03-02 with space.md",
    "bureau/2026/index.md",
    "bureau/page/2.md",
    "stats/表1.csv",
    "stats/chart.png",
    "drafts/notes.md",
    "_hidden.md",
    ".dotfile",
    "deep/a/b/c/README.md",
    "Ünïcode/名字.md",
)


@pytest.fixture
def site(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    write_docs(tmp_path / "docs", NAMES)
    return tmp_path, work


def _made(monkeypatch):
    """How many Files mkdocs' constructor makes from here on."""
    count = [0]
    original = File.__init__

    def counting(self, *args, **kwargs):
        count[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(File, "__init__", counting)
    return count


def test_remembered_files_are_mkdocs_files(site, monkeypatch):
    tmp_path, work = site
    config = config_for(tmp_path)
    made = _made(monkeypatch)
    assert described(mkdocs_files.get_files(config, work)) == mkdocs_described(config)
    assert made[0] == 2 * len(NAMES)  # ours made them all (no memo yet), then mkdocs' own
    assert (work / "cache" / mkdocs_files.MEMO_FILE).is_file()
    made[0] = 0
    again = mkdocs_files.get_files(config, work)
    assert made[0] == 0  # every File from the memo
    assert described(again) == mkdocs_described(config)
    # added and removed files: the new ones made by mkdocs' constructor, the gone ones gone
    (tmp_path / "docs" / "about.md").unlink()
    write_docs(tmp_path / "docs", ["bureau/2026/2026-04-01-新.md", "zzz/index.md", "about/index.md"])
    made[0] = 0
    third = mkdocs_files.get_files(config, work)
    assert made[0] == 3
    assert described(third) == mkdocs_described(config)


@pytest.mark.parametrize("change", ["directory_urls", "not_in_nav", "no_key"])
def test_settings_a_file_depends_on_are_not_taken_from_the_memo(site, change):
    tmp_path, work = site
    mkdocs_files.get_files(config_for(tmp_path), work)
    if change == "directory_urls":
        config = config_for(tmp_path, directory_urls=False)
    elif change == "not_in_nav":
        config = config_for(tmp_path, not_in_nav="/bureau/")
    else:  # a work folder whose key cannot be had: nothing remembered is trusted
        config = config_for(tmp_path)
        (work / audit_cache.KEY_FILE).unlink()
        (work / audit_cache.KEY_FILE).mkdir()
    assert described(mkdocs_files.get_files(config, work)) == mkdocs_described(config)


def _forge(work, how):
    path = work / "cache" / mkdocs_files.MEMO_FILE
    data = path.read_bytes()
    key = audit_cache.work_key(work)
    stamp, known = msgpack.unpackb(audit_cache.unseal(key, data), raw=False)
    known["index.md"] = ["../../outside/index.html", "../../outside/", "index", known["index.md"][3]]
    known["about.md"] = ["about/index.html", "about/", "about", 99]
    known["bureau/index.md"] = ["x", 1, "y", 2]
    if how == "foreign-key":
        path.write_bytes(audit_cache.seal(b"k" * 32, msgpack.packb([stamp, known])))
    elif how == "other-stamp":
        path.write_bytes(audit_cache.seal(key, msgpack.packb(["0" * 64, known])))
    elif how == "odd-entries":  # sealed and stamped, but entries of the wrong shape are made again
        del known["index.md"]
        path.write_bytes(audit_cache.seal(key, msgpack.packb([stamp, known])))
    elif how == "garbage":
        path.write_bytes(data[:20] + b"\xc1\xc1" + data[22:])
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize("how", ["foreign-key", "other-stamp", "odd-entries", "garbage", "truncated", "folder"])
def test_a_forged_or_damaged_memo_changes_nothing(site, how):
    tmp_path, work = site
    config = config_for(tmp_path)
    mkdocs_files.get_files(config, work)
    _forge(work, how)
    assert described(mkdocs_files.get_files(config, work)) == mkdocs_described(config)  # no traceback either


def test_two_files_for_one_page_are_left_tomkdocs_described(site, caplog):
    """README.md beside index.md: mkdocs keeps one and warns; so does this build."""
    tmp_path, work = site
    write_docs(tmp_path / "docs", ["bureau/README.md"])
    config = config_for(tmp_path)
    mkdocs_files.get_files(config, work)
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        ours = described(mkdocs_files.get_files(config, work))
    assert any("conflicts with" in r.getMessage() for r in caplog.records)
    assert ours == mkdocs_described(config)
