"""Caches that never run code (issue 12 §7): every file under <work>/cache is msgpack through
pipeline.cache_codec, never pickle; a damaged, foreign or planted file is ignored and
the work is done again."""

from __future__ import annotations

import os
import pickle
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import ROOT, run_portal

from pipeline import audit_cache, cache_codec, publication, stage_memos
from pipeline.config import load_config
from pipeline.findings import Finding, error
from pipeline.model import Attachment, Item
from pipeline.numbering import Ledger, LedgerEntry

CACHE_FILES = ("load.msgpack", "gate.msgpack", "ledger.msgpack", "dedup.msgpack", "pairs.msgpack", "dedup-text.msgpack")


def _item(**kw) -> Item:
    base = {
        "path": "items/bureau/2026/x.md",
        "slug": "x",
        "title": "标题",
        "date": datetime(2026, 3, 15, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        "site": "bureau",
        "column": "news",
        "author": "李晓梅",
        "body": "正文" * 10,
        "attachments": (Attachment("a.pdf", "files/a.pdf"),),
        "key_lines": (("title", 2), ("date", 3)),
        "content_hash": "ab" * 32,
    }
    base.update(kw)
    return Item(**base)


RECORDS = (Item, Attachment, Finding)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**63),
        2**64 - 1,
        1.5,
        "中文",
        b"\x00\xff",
        (),
        ("a", ("b", 1)),
        {"k": (1, 2)},
        {("p", "h"): {"check": ()}},
        datetime(2026, 1, 1),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")),
        _item(),
        _item(reviewer="王建国", tags=("外贸",), index_number="X-2026-001"),
        error("items/x.md", "pii", "手机号", 3, match="139", row=2),
    ],
)
def test_round_trip_is_exact(value):
    back = cache_codec.loads(cache_codec.dumps(value, RECORDS), RECORDS)
    assert back == value and type(back) is type(value)
    if isinstance(value, datetime):
        assert back.tzinfo == value.tzinfo and back.utcoffset() == value.utcoffset() and back.fold == value.fold
    if isinstance(value, Item):
        assert back.key_lines == value.key_lines and back.date.tzinfo.key == "Asia/Shanghai"


def test_ledger_round_trip():
    ledger = Ledger(
        "{org}-{year}-{seq:04d}",
        "JL",
        (LedgerEntry("bureau/2026/x", "JL-2026-0001", 2026, 1, "2026-03-15", "标题", ("old/x",), 7),),
    )
    records = (Ledger, LedgerEntry, Finding)
    assert cache_codec.loads(cache_codec.dumps((ledger, ()), records), records) == (ledger, ())


@pytest.mark.parametrize("value", [[1, 2], {1, 2}, object(), datetime(2026, 1, 1, tzinfo=UTC).date(), _item()])
def test_what_the_codec_does_not_know_is_not_written(value):
    if isinstance(value, list):  # lists are stored as tuples: they come back as tuples
        assert cache_codec.loads(cache_codec.dumps(value)) == (1, 2)
        return
    with pytest.raises(TypeError):
        cache_codec.dumps(value)  # an Item without Item among the records, a set, a date …


def _forge(header, value) -> bytes:
    import msgpack

    return msgpack.packb([header, value], use_bin_type=True)


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x80\x04not a cache at all",
        pickle.dumps({"stamp": "x", "entries": {}}),
        b"\x92\x80",
        cache_codec.dumps({"stamp": "x"}, RECORDS)[:-3],  # truncated
        cache_codec.dumps({"stamp": "x"}, RECORDS) + b"\x00",  # trailing bytes
        _forge({"codec": "portal-cache/0", "records": {}}, 1),  # another version
        _forge({"codec": cache_codec.CODEC, "records": {"Item": ["path"]}}, 1),  # another shape of Item
        cache_codec.dumps(_item(), RECORDS).replace(b"Asia/Shanghai", b"../../etc/pas"),  # a zone name that is a path
        cache_codec.dumps(_item(), RECORDS).replace("标题".encode(), b"\xff\xfe\xfd\xfc\xfb\xfa"),  # not UTF-8
    ],
)
def test_damaged_or_foreign_bytes_raise_format_error(bad):
    with pytest.raises(cache_codec.CacheFormatError):
        cache_codec.loads(bad, RECORDS)


def _forged_item(field: str, value) -> bytes:
    """A cache file whose one Item has ``value`` in ``field`` (written past the codec's checks)."""
    import msgpack

    def default(obj):
        if type(obj) is tuple:
            return list(obj)
        if type(obj) is datetime:
            return msgpack.ExtType(cache_codec.EXT_DATETIME, cache_codec._pack_datetime(obj))
        if type(obj) is Attachment:
            return msgpack.ExtType(
                cache_codec.EXT_RECORD, msgpack.packb(["Attachment", obj.name, obj.href], use_bin_type=True)
            )
        raise TypeError(obj)

    header = {"codec": cache_codec.CODEC, "records": {c.__name__: [f.name for f in fields(c)] for c in RECORDS}}
    values = [value if f.name == field else getattr(_item(), f.name) for f in fields(Item)]
    record = msgpack.ExtType(
        cache_codec.EXT_RECORD, msgpack.packb(["Item", *values], default=default, use_bin_type=True, strict_types=True)
    )
    return msgpack.packb([header, record], use_bin_type=True)


def test_a_forged_record_is_only_read_when_every_field_has_its_type():
    assert cache_codec.loads(_forged_item("title", "另一个标题"), RECORDS) == _item(
        title="另一个标题"
    )  # the forgery itself is sound
    for field, value in (
        ("date", "2026-03-15"),
        ("classified", 1),
        ("tags", ("x", 1)),
        ("attachments", ("files/a.pdf",)),
        ("reviewer", 5),
        ("key_lines", (("title", "2"),)),
        ("title", None),
        ("body_line", True),
    ):
        with pytest.raises(cache_codec.CacheFormatError):
            cache_codec.loads(_forged_item(field, value), RECORDS)


def test_the_generated_field_checks_agree_with_the_plain_ones():
    """cache_codec writes each record class's field checks out as one function; it accepts
    exactly what the plain per-annotation checks accept, field by field."""
    import typing

    from pipeline import confidentiality

    samples = (
        None, "x", 1, True, 1.5, b"x", datetime(2026, 1, 1), (), ("x",), ("x", 1), (("a", 1),), (("a", "1"),),
        ((),), {"a": 1}, {"a": "b"}, Attachment("a", "b"), (Attachment("a", "b"),), _item(),
        error("items/x.md", "pii", "手机号"), ((error("items/x.md", "pii", "手机号"),),),
    )  # fmt: skip
    finding = error("items/x.md", "pii", "手机号", 3, match="139", row=2)
    records = (
        _item(),
        Attachment("a", "b"),
        finding,
        confidentiality.Scanned("items/x.md", ((finding,),), True),
        Ledger("{org}-{year}-{seq:04d}", "X", (LedgerEntry("k", "X-1", 2026, 1, "2026-01-01", "t"),)),
        LedgerEntry("k", "X-1", 2026, 1, "2026-01-01", "t", ("a",), 3),
    )
    for record in records:
        cls = type(record)
        build = cache_codec._builder(cls)
        hints = typing.get_type_hints(cls)
        base = [getattr(record, f.name) for f in fields(cls)]
        assert build(tuple(base)) == record
        for n, f in enumerate(fields(cls)):
            plain = cache_codec._check(hints[f.name])
            for value in samples:
                values = tuple(value if m == n else v for m, v in enumerate(base))
                try:
                    build(values)
                    accepted = True
                except cache_codec.CacheFormatError:
                    accepted = False
                assert accepted == plain(value), (cls.__name__, f.name, value)
        with pytest.raises(cache_codec.CacheFormatError):
            build(tuple(base[:-1]))


def test_a_record_of_a_type_not_asked_for_is_refused():
    data = cache_codec.dumps((_item(),), RECORDS)
    with pytest.raises(cache_codec.CacheFormatError):
        cache_codec.loads(data, (Finding,))


def test_deeply_nested_bytes_do_not_crash():
    deep = b"\x91" * 100_000 + b"\xc0"  # 100,000 nested arrays
    with pytest.raises(cache_codec.CacheFormatError):
        cache_codec.loads(deep, RECORDS)


class _Boom:
    def __reduce__(self):
        return (Path.touch, (Path(os.environ["PLANTED_MARK"]),))


def _plant(cache: Path, mark: Path) -> None:
    """A pickle that creates ``mark`` when unpickled, under every name a cache ever had."""
    os.environ["PLANTED_MARK"] = str(mark)
    bomb = pickle.dumps({"stamp": "x", "entries": _Boom()})
    cache.mkdir(parents=True, exist_ok=True)
    for name in CACHE_FILES + ("load.pickle", "gate.pickle", "ledger.pickle", "dedup.npz", "pairs.npz"):
        (cache / name).write_bytes(bomb)


def test_planted_pickles_run_no_code_and_the_result_is_unchanged(content_copy, tmp_path):
    config = load_config(ROOT / "site_config")
    plain = publication.run(content_copy, config)
    cache = tmp_path / "work" / "cache"
    mark = tmp_path / "pwned"
    _plant(cache, mark)
    pickle.loads((cache / "load.msgpack").read_bytes())  # the bomb works when unpickled …
    assert mark.exists()
    mark.unlink()
    assert publication.run(content_copy, config, cache_dir=cache) == plain  # … the build never unpickles it
    assert not mark.exists()
    for name in CACHE_FILES:  # rebuilt as msgpack
        payload = audit_cache.unseal(audit_cache.cache_key(cache), (cache / name).read_bytes())
        assert cache_codec.loads(payload, _records(name))["entries"], name
    assert publication.run(content_copy, config, cache_dir=cache) == plain


def _records(name: str) -> tuple:
    return next(spec.records for spec in stage_memos.MEMOS.values() if f"{spec.name}.msgpack" == name)


def test_cli_build_with_planted_cache_runs_no_code(tmp_path):
    work = tmp_path / "work"
    mark = tmp_path / "pwned"
    _plant(work / "cache", mark)
    proc = run_portal("build", "--out", str(tmp_path / "site"), "--work", str(work), "--jobs", "1")
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert not mark.exists()
    assert (tmp_path / "site" / "index.html").is_file()
    assert {p.name for p in (work / "cache").iterdir()} >= {"load.msgpack", "gate.msgpack"}


def test_no_pickle_in_the_pipeline():
    for source in sorted((ROOT / "pipeline").rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        for word in (
            "import pickle",
            "pickle.load",
            "import marshal",
            "import shelve",
            "allow_pickle=True",
            "dill",
            "joblib",
        ):
            assert word not in text, f"{source.name}: {word}"
