"""The yearly data files (content/disclosure/, content/website-report/) are read by the
publication stage for every command, so a file that cannot be read is a named finding of the
report, never a traceback of `portal check` or `portal build`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import data_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def content(tmp_path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"


def test_an_oversized_data_file_is_refused_with_its_size(content):
    with open(content / "disclosure" / "2025.yaml", "wb") as fh:
        fh.truncate(data_file.MAX_BYTES + 1024 * 1024)  # sparse: no disk used
    for args in (["check"], ["report", "--year", "2025"]):
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", *args, "--content", str(content)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "超过 8 MB 上限" in done.stderr and done.returncode == 1


def test_a_read_error_is_a_data_error(content, monkeypatch):
    path = content / "disclosure" / "2025.yaml"

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(data_file.DataError, match="无法读取（Permission denied）"):
        data_file.read_mapping(path, "不存在", "year")
