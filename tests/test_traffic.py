"""访问量 from access logs (issue 16 §2): counts hand-made from generated combined-format lines —
bots, assets, feeds, 404s, IPv6, half-hour time zones, a gzip part, rotation in any order,
re-reading, truncation, bad lines and a log of another format."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline import traffic
from helpers import run_portal
from traffic_logs import BAIDUSPIDER, CHROME, CST, CURL, FIREFOX, UPTIME, WECHAT, line, realistic

DAY = datetime(2025, 3, 15, 10, 0, tzinfo=CST)
A, B = "203.0.113.9", "2408:8207:24a1:5c30::1f"


def _hand_day() -> list[str]:
    t = [DAY + timedelta(minutes=n) for n in range(40)]
    return [
        line(A, t[0], "/"),  # page, visitor A
        line(A, t[1], "/bureau/"),  # page
        line(A, t[2], "/assets/stylesheets/main.css"),  # asset
        line(A, t[3], "/feed.xml"),  # feed
        line(B, t[4], "/xxgk/", 304, WECHAT),  # page (304), visitor B (IPv6)
        line(B, t[5], "/missing/", 404, WECHAT),  # error
        line(A, t[6], "/bureau/2025/x/index.html"),  # page, still visitor A
        line("180.76.1.2", t[7], "/", 200, BAIDUSPIDER),  # bot
        line("198.51.100.7", t[8], "/", 200, UPTIME, method="HEAD"),  # bot (monitoring)
        line("198.51.100.8", t[9], "/", 200, CURL),  # bot (script)
        line("198.51.100.9", t[10], "/", 200, "-"),  # no user agent: a script
        line(A, t[11], "/bureau/", 200, CHROME, method="HEAD"),  # other
        line(A, t[12], "/search/", 200, CHROME, method="POST"),  # other
        line(A, t[13], "/bureau", 301),  # other (redirect)
        line(A, t[14], "/bureau/news/?page=2", 200, FIREFOX),  # page, visitor C (same IP, other browser)
        line(A, t[15], "/files/2025/Budget.PDF", 200, FIREFOX),  # asset
        line(B, t[16], "/bureau/news/", 500, WECHAT),  # error
    ]


HAND = {"page_views": 5, "visitors": 3, "assets": 2, "feeds": 1, "bots": 4, "errors": 2, "other": 3}


def _write(path: Path, lines, gz: bool = False) -> Path:
    data = "".join(lines).encode("ascii")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _days(db: Path) -> dict[str, dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return {r["day"]: dict(r) for r in con.execute("SELECT * FROM days ORDER BY day")}
    finally:
        con.close()


def _totals(db: Path) -> dict:
    out = dict.fromkeys(("page_views", "visitors", "assets", "feeds", "bots", "errors", "other"), 0)
    for row in _days(db).values():
        for k in out:
            out[k] += row[k]
    return out


def test_hand_counted_day(tmp_path):
    db = tmp_path / "t.sqlite"
    report = traffic.ingest(db, [_write(tmp_path / "access.log", _hand_day())], jobs=1)
    assert report.errors == () and report.files[0].lines == 17 and report.files[0].bad == 0
    day = _days(db)["2025-03-15"]
    assert {k: day[k] for k in HAND} == HAND


def test_local_date_follows_each_line_offset_including_half_hours(tmp_path):
    def at(text: str) -> datetime:
        return datetime.strptime(text, "%Y-%m-%d %H:%M %z")

    lines = [
        line(A, at("2025-03-01 23:30 +0000"), "/"),  # 07:30 on 2 March in Shanghai
        line(A, at("2025-03-02 01:00 +0530"), "/"),  # 19:30 UTC on 1 March → 03:30 on 2 March
        line(A, at("2025-03-01 23:50 -0930"), "/"),  # 09:20 UTC on 2 March → 17:20 on 2 March
        line(A, at("2025-03-02 00:10 +1400"), "/"),  # 10:10 UTC on 1 March → 18:10 on 1 March
        line(A, at("2025-03-01 15:59 +0000"), "/"),  # 23:59 on 1 March
        line(A, at("2025-03-01 16:00 +0000"), "/"),  # 00:00 on 2 March
        line(A, at("2025-03-01 21:15 +0545"), "/"),  # Nepal: 15:30 UTC → 23:30 on 1 March
    ]
    db = tmp_path / "t.sqlite"
    traffic.ingest(db, [_write(tmp_path / "tz.log", lines)], "Asia/Shanghai", jobs=1)
    assert {d: r["page_views"] for d, r in _days(db).items()} == {"2025-03-01": 3, "2025-03-02": 4}
    db2 = tmp_path / "kolkata.sqlite"  # the same lines for a portal in a half-hour zone
    traffic.ingest(db2, [tmp_path / "tz.log"], "Asia/Kolkata", jobs=1)
    assert {d: r["page_views"] for d, r in _days(db2).items()} == {"2025-03-01": 4, "2025-03-02": 3}


def _three_parts(tmp_path: Path) -> tuple[list[str], list[Path]]:
    lines = list(realistic(6000, datetime(2025, 3, 1, tzinfo=CST), seed=3, span=timedelta(days=3)))
    paths = [
        _write(tmp_path / "access.log.2.gz", lines[:2000], gz=True),
        _write(tmp_path / "access.log.1", lines[2000:4000]),
        _write(tmp_path / "access.log", lines[4000:]),
    ]
    return lines, paths


def test_rotated_files_in_any_order_with_a_gzip_part_equal_one_file(tmp_path):
    lines, paths = _three_parts(tmp_path)
    whole = tmp_path / "whole.sqlite"
    traffic.ingest(whole, [_write(tmp_path / "all.log", lines)], jobs=1)
    parts = tmp_path / "parts.sqlite"
    report = traffic.ingest(parts, [paths[2], paths[0], paths[1]], jobs=2)
    assert [f.lines for f in report.files] == [2000, 2000, 2000]
    assert _days(parts) == _days(whole)
    assert _totals(whole)["page_views"] > 1000 and _totals(whole)["bots"] > 0
    # re-reading the same files, in another order, adds nothing
    again = traffic.ingest(parts, [paths[1], paths[0], paths[2]], jobs=2)
    assert all(f.lines == 0 and "已读过" in f.skipped for f in again.files)
    assert _days(parts) == _days(whole)


def test_a_growing_file_is_read_on_from_its_last_complete_line(tmp_path):
    lines = list(realistic(3000, DAY, seed=5))
    log = tmp_path / "access.log"
    cut = "".join(lines[:1000]) + lines[1000][:40]  # nginx is half-way through a line
    log.write_text(cut, encoding="ascii")
    db = tmp_path / "t.sqlite"
    assert traffic.ingest(db, [log], jobs=1).files[0].lines == 1000
    log.write_text("".join(lines), encoding="ascii")
    assert traffic.ingest(db, [log], jobs=1).files[0].lines == 2000
    whole = tmp_path / "whole.sqlite"
    traffic.ingest(whole, [_write(tmp_path / "w.log", lines)], jobs=1)
    assert _days(db) == _days(whole)


def test_rotation_then_compression_and_copytruncate(tmp_path):
    lines = list(realistic(4000, DAY, seed=7))
    log = tmp_path / "access.log"
    _write(log, lines[:1000])
    db = tmp_path / "t.sqlite"
    traffic.ingest(db, [log], jobs=1)
    # logrotate: access.log → access.log.1 (nginx writes on into it until reopened), compressed later
    _write(log, lines[:1500])
    log.rename(tmp_path / "access.log.1")
    _write(tmp_path / "access.log.1.gz", lines[:1500], gz=True)
    (tmp_path / "access.log.1").unlink()
    _write(log, lines[1500:3000])
    report = traffic.ingest(db, [log, tmp_path / "access.log.1.gz"], jobs=1)
    assert [f.lines for f in report.files] == [1500, 500]
    # copytruncate: the file is emptied in place and written anew — a new first line, read from the start
    _write(log, lines[3000:])
    assert traffic.ingest(db, [log], jobs=1).files[0].lines == 1000
    whole = tmp_path / "whole.sqlite"
    traffic.ingest(whole, [_write(tmp_path / "w.log", lines)], jobs=1)
    assert _totals(db) == _totals(whole)


def test_bad_lines_are_counted_and_reported_never_fatal(tmp_path):
    good = _hand_day()
    bad = [
        "this is not a log line\n",
        '203.0.113.9 - - [32/Foo/2025:10:00:00 +0800] "GET / HTTP/1.1" 200 5 "-" "x"\n',  # no such date
        '203.0.113.9 - - [15/Mar/2025:10:00:00 +0800] "GET / HTTP/1.1" 200 5 "-"\n',  # common format: no user agent
        "\n",  # an empty line is not counted as bad
        # past the end of the calendar in Shanghai
        '203.0.113.9 - - [31/Dec/9999:23:59:59 -1200] "GET / HTTP/1.1" 200 5 "-" "x"\n',
        '203.0.113.9 - - [15/Mar/2025:10:00:00 +0800] "GET /'
        + "a " * 40000
        + 'HTTP/1.1" 200 5 "-" "x"\n',  # 80 KB of request
    ]
    # nginx escapes a double quote in a field as \x22: valid, read by apachelogs itself
    escaped = (
        '203.0.113.77 - - [15/Mar/2025:11:00:00 +0800] "GET /bureau/ HTTP/1.1" 200 5 "-" '
        '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 '
        'Safari/537.36 \\x22x\\x22"\n'
    )
    log = tmp_path / "access.log"
    log.write_bytes(
        "".join(good[:5] + bad[:2] + [escaped] + good[5:] + bad[2:]).encode() + b"\x00\xff\xfe garbage \x80\n"
    )
    db = tmp_path / "t.sqlite"
    out = run_portal("traffic", "ingest", "--traffic-db", str(db), str(log))
    assert out.returncode == 0, out.stderr
    assert "读入 25 行，无法解析 6 行" in out.stdout
    assert "第 6 行无法解析：this is not a log line" in out.stderr and "Traceback" not in out.stderr
    day = _days(db)["2025-03-15"]
    assert day["page_views"] == HAND["page_views"] + 1 and day["visitors"] == HAND["visitors"] + 1


@pytest.mark.parametrize(
    "text",
    [
        '203.0.113.9 - - [15/Mar/2025:10:00:00 +0800] "GET / HTTP/1.1" 200 5120\n' * 60,  # common log format
        json.dumps({"time": "2025-03-15T10:00:00+08:00", "remote_addr": A, "request": "GET / HTTP/1.1", "status": 200})
        + "\n" * 1,
        "\x00\x01\x02 binary \xff\n" * 3,
    ],
)
def test_a_log_of_another_format_is_a_clear_error_and_others_still_count(tmp_path, text):
    other = tmp_path / "other.log"
    other.write_bytes(text.encode("latin-1", "replace") if "\x00" in text else text.encode())
    good = _write(tmp_path / "access.log", _hand_day())
    db = tmp_path / "t.sqlite"
    out = run_portal("traffic", "ingest", "--traffic-db", str(db), str(other), str(good))
    assert out.returncode == 1
    assert f"{other}：错误：不是 combined 格式的访问日志" in out.stderr and "Traceback" not in out.stderr
    assert _days(db)["2025-03-15"]["page_views"] == HAND["page_views"]


def test_missing_file_and_broken_gzip_are_named(tmp_path):
    broken = tmp_path / "access.log.3.gz"
    broken.write_bytes(gzip.compress(b"".join(x.encode() for x in _hand_day()))[:60])
    out = run_portal(
        "traffic", "ingest", "--traffic-db", str(tmp_path / "t.sqlite"), str(tmp_path / "nope.log"), str(broken)
    )
    assert out.returncode == 1 and "nope.log：错误：文件不存在" in out.stderr and "access.log.3.gz：错误" in out.stderr
    assert "Traceback" not in out.stderr


def test_fast_path_reads_exactly_what_apachelogs_reads():
    days = traffic._Days(CST)
    for text in realistic(3000, DAY, seed=11):
        raw = text.encode()
        fast, slow = traffic.parse_line(raw, days), traffic._parse_slow(raw.rstrip(b"\n"), days)
        assert fast == slow, text
        assert traffic.classify(fast, traffic._Bots()) == traffic.classify(slow, traffic._Bots())


def test_no_ip_is_stored_and_closed_days_keep_only_counts(tmp_path):
    db = tmp_path / "t.sqlite"
    lines = [line(A, DAY + timedelta(days=d, minutes=m), "/", agent=CHROME) for d in range(6) for m in range(3)]
    lines += [line(B, DAY + timedelta(days=d, minutes=5), "/", agent=WECHAT) for d in range(6)]
    traffic.ingest(db, [_write(tmp_path / "access.log", lines)], jobs=1)
    raw = db.read_bytes()
    for secret in (A.encode(), B.encode(), b"203.0.113", b"2408:8207"):
        assert secret not in raw
    con = sqlite3.connect(db)
    open_days = {r[0] for r in con.execute("SELECT day FROM salts")}
    hashed = {r[0] for r in con.execute("SELECT DISTINCT day FROM visitors")}
    con.close()
    days = _days(db)
    assert (
        open_days == hashed == {"2025-03-17", "2025-03-18", "2025-03-19", "2025-03-20"}
    )  # the newest day and the 3 before it
    assert all(r["visitors"] == 2 and r["page_views"] == 4 for r in days.values())
    assert [d for d, r in days.items() if r["closed"]] == ["2025-03-15", "2025-03-16"]


def test_stats_and_the_website_report_use_the_store(tmp_path):
    db = tmp_path / "t.sqlite"
    traffic.ingest(db, [_write(tmp_path / "access.log", _hand_day())], jobs=1)
    out = run_portal("traffic", "stats", "--traffic-db", str(db), "--year", "2025")
    assert out.returncode == 0 and "2025-03\t1\t5\t3\t2\t1\t4\t2\t3" in out.stdout
    assert traffic.year_totals(db, 2025) == traffic.year_totals(db, 2025) and traffic.year_totals(db, 2024) is None
    totals = traffic.year_totals(db, 2025)
    assert (totals.visitors, totals.page_views, totals.days, totals.first) == (3, 5, 1, date(2025, 3, 15))
    report = run_portal(
        "website-report",
        "--year",
        "2025",
        "--format",
        "csv",
        "--traffic-db",
        str(db),
        "--db",
        str(tmp_path / "up.sqlite"),
    )
    assert ",独立用户访问总量（单位：个）,个,3,访问日志（2025-03-15 至 2025-03-15，1 天）" in report.stdout
    assert ",网站总访问量（单位：次）,次,5,访问日志" in report.stdout
    missing = run_portal("traffic", "stats", "--traffic-db", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 1 and "portal traffic ingest" in missing.stderr


def test_time_zone_objects_agree_with_the_stamp_cache():
    days = traffic._Days(traffic.ZoneInfo("Asia/Shanghai"))
    when = datetime(2025, 12, 31, 16, 30, tzinfo=timezone.utc)
    assert days.of_stamp(when.strftime("%d/%b/%Y:%H:%M:%S %z").encode()) == date(2026, 1, 1)
    assert days.of_stamp(b"31/Dec/2025:16:30:00 +2400") is None  # no such offset


def test_the_same_log_under_two_names_in_one_run_counts_once(tmp_path):
    log = _write(tmp_path / "access.log", _hand_day())
    copy = tmp_path / "copy-of-access.log"
    copy.write_bytes(log.read_bytes())
    (tmp_path / "link.log").symlink_to(log)
    db = tmp_path / "t.sqlite"
    report = traffic.ingest(db, [log, copy, tmp_path / "link.log"], jobs=2)
    assert [f.lines for f in report.files] == [17, 0, 0] and "同一个日志" in report.files[1].skipped
    assert _days(db)["2025-03-15"]["page_views"] == HAND["page_views"]


def test_a_run_that_dies_while_committing_leaves_the_file_unread(tmp_path, monkeypatch):
    """Each file's figures and its offset are one transaction: a crash half-way through the
    commit (here: after the day rows were updated) leaves the store as before, and the next
    run reads the file in full — nothing lost, nothing counted twice."""
    log = _write(tmp_path / "access.log", _hand_day())
    db = tmp_path / "t.sqlite"
    real_known = traffic.Store.known
    calls = {"n": 0}

    def dying_known(self, identity):
        calls["n"] += 1
        if calls["n"] == 2:  # the call inside commit_file, after the counts were written
            raise sqlite3.OperationalError("disk I/O error")
        return real_known(self, identity)

    monkeypatch.setattr(traffic.Store, "known", dying_known)
    with pytest.raises(sqlite3.OperationalError):
        traffic.ingest(db, [log], jobs=1)
    monkeypatch.setattr(traffic.Store, "known", real_known)
    assert _days(db) == {}
    assert traffic.ingest(db, [log], jobs=1).files[0].lines == 17
    assert {k: _days(db)["2025-03-15"][k] for k in HAND} == HAND
