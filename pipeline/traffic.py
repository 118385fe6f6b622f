"""访问量 from the web server's own access logs (``portal traffic ingest`` / ``portal traffic stats``).

A static site has no visitor counter; nginx and Apache write every request to an access log
in the *combined* format.  This module reads those logs — plain or gzip (recognised by its
bytes, not its name), rotated files in any order — and keeps daily figures in SQLite
(``.portal/traffic.sqlite``) for the 政府网站工作年度报表 (:mod:`pipeline.website_report`):

- **page views** (网站总访问量): GET requests for HTML pages (a path ending in ``/``,
  ``.html``/``.htm`` or without extension) answered 200 or 304;
- **unique visitors** (独立用户访问总量): per day, the number of distinct keyed hashes of IP
  + user agent over those page views.  Each day has its own random salt; the salt and the
  hashes are kept only while the day is open (the newest :data:`OPEN_DAYS` days of the
  store, so a late or rotated file still joins its day) and deleted when it closes — then
  only the count remains.  No IP address is ever stored.
- left out and counted apart: assets (styles, scripts, images, attachments, search index),
  feeds (RSS/Atom), bots and monitoring (crawlerdetect, one answer cached per user-agent
  string; an empty user agent counts as a script), errors (4xx/5xx) and other requests
  (HEAD, POST, redirects, partial content).

The line format's authority is apachelogs (``apachelogs.COMBINED``).  A cheap pre-filter
takes the common case: a line of printable ASCII without backslash escapes that a strict
sub-pattern of apachelogs' own expression matches is provably parsed the same way, so it is
split by that sub-pattern; every other line goes through ``apachelogs.LogParser.parse``.
Lines that neither accepts are bad: counted per file and reported with samples, never fatal.
A file none of whose first lines parse is not a combined log, and is refused with a Chinese
message naming it.

Re-reading adds nothing: a file is known by the hash of its first line (which survives
rename, rotation and compression, as pygtail's offset file does with the inode) and the
number of bytes already read; a plain file is read up to its last complete line and later
read on from there, a truncated or recreated file has a new first line and is read anew.
Each file's figures and its new offset are committed in one transaction, so a killed run
leaves the store as if that file had not been started.  Time stamps carry their own UTC
offset (including half-hour zones such as +0530); each request counts on its local date in
the portal's time zone.

Why about 810 lines: log parsing, bot detection, the idempotent SQLite store and its statistics are one
ingest path whose correctness (no line counted twice across rotated files) rests on all four.
"""

from __future__ import annotations

import fcntl
import functools
import gzip
import hashlib
import re
import secrets
import sqlite3
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import apachelogs
from crawlerdetect import CrawlerDetect

from pipeline import parallel
from pipeline.model import TrafficYear

DEFAULT_DB = Path(".portal") / "traffic.sqlite"
OPEN_DAYS = 3  # days before the newest day whose salts and hashes are kept (late and rotated files)
CHUNK_BYTES = 32 * 1024 * 1024  # a plain file is split into pieces of about this size, read in parallel
PROBE_LINES = 50  # the first lines that decide whether a file is a combined log at all
SAMPLES = 5  # bad lines quoted in the report per file
MAX_LINE = 32 * 1024  # longer lines are bad (nginx's request line and headers are far shorter)
KINDS = ("page_views", "assets", "feeds", "bots", "errors", "other")
PAGE_STATUSES = (200, 304)
FEED_SUFFIXES = (b".xml", b".rss", b".atom")
SCHEMA_VERSION = "1"


class TrafficError(Exception):
    """A log that cannot be read at all (missing, not a combined log, unreadable gzip)."""


# --- parsing ------------------------------------------------------------------------------

_PARSER = apachelogs.LogParser(apachelogs.COMBINED)
# Printable ASCII without space, double quote and backslash: apachelogs' field characters
# minus its escape sequences (\xHH, \") — so everything this matches, apachelogs matches too,
# with the same fields (no field can end early: there is no space or quote inside one).
_W = rb"[!#-\[\]-~]"
_Q = rb"[ !#-\[\]-~]"
_FAST = re.compile(
    rb"(" + _W + rb"+) " + _W + rb"* " + _W + rb"* \[([^]\x00-\x1f\x7f-\xff]+)\] "
    rb'"(' + _Q + rb'*)" ([0-9]{3}|-) (?:0|-?[1-9][0-9]*|-) "' + _Q + rb'*" "(' + _Q + rb'*)"'
)
_STAMP = re.compile(rb"(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")
_MONTHS = {
    m.encode(): n
    for n, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}


@dataclass(frozen=True)
class Request:
    """The fields of one log line that the counts need."""

    host: bytes
    day: date  # local date in the portal's time zone
    request: bytes  # the request line: GET /path HTTP/1.1
    status: int | None
    agent: bytes


class _Days:
    """Time stamp → local date, cached per minute and zone (a log has few distinct ones)."""

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self.cache: dict[bytes, date] = {}

    def of_stamp(self, stamp: bytes) -> date | None:
        key = stamp[:17] + stamp[-5:]
        day = self.cache.get(key)
        if day is None:
            m = _STAMP.fullmatch(stamp)
            if not m or m.group(2) not in _MONTHS:
                return None
            d, _, y, hh, mm, _, sign, oh, om = m.groups()
            try:
                offset = timedelta(hours=int(oh), minutes=int(om))
                if offset >= timedelta(hours=24) or int(om) >= 60:
                    return None
                when = datetime(
                    int(y),
                    _MONTHS[m.group(2)],
                    int(d),
                    int(hh),
                    int(mm),
                    tzinfo=timezone(-offset if sign == b"-" else offset),
                )
            except ValueError:
                return None
            try:
                day = when.astimezone(self.tz).date()
            except (OverflowError, ValueError):  # 31/Dec/9999 east of the portal, 01/Jan/0001 west of it
                return None
            if len(self.cache) > 200_000:
                self.cache.clear()
            self.cache[key] = day
        return day

    def of_datetime(self, when: datetime) -> date:
        return when.astimezone(self.tz).date() if when.tzinfo else when.date()


def parse_line(line: bytes, days: _Days) -> Request | None:
    """One access-log line, or None when it is not a valid combined-format line."""
    line = line.rstrip(b"\r\n")
    if line.isascii() and len(line) <= MAX_LINE:
        m = _FAST.fullmatch(line)
        if m:
            day = days.of_stamp(m.group(2))
            if day is not None:
                status = m.group(4)
                return Request(m.group(1), day, m.group(3), None if status == b"-" else int(status), m.group(5))
    return _parse_slow(line, days)


def _parse_slow(line: bytes, days: _Days) -> Request | None:
    """apachelogs itself: escapes, non-ASCII bytes, odd but valid fields.  A line longer than
    :data:`MAX_LINE` is bad without trying (its expression backtracks on long garbage)."""
    if len(line) > MAX_LINE:
        return None
    try:
        entry = _PARSER.parse(line.decode("iso-8859-1"))
        when = entry.request_time
    except (apachelogs.InvalidEntryError, ValueError, TypeError, OverflowError, AttributeError):
        return None
    if when is None:
        return None
    try:
        day = days.of_datetime(when)
    except (OverflowError, ValueError):
        return None
    agent = entry.headers_in.get("User-Agent") or ""
    return Request(
        (entry.remote_host or "").encode("iso-8859-1"),
        day,
        (entry.request_line or "").encode("iso-8859-1"),
        entry.final_status,
        agent.encode("iso-8859-1"),
    )


# --- classification -----------------------------------------------------------------------


class _Bots:
    """crawlerdetect, asked once per user-agent string (it takes ~0.6 ms a call)."""

    def __init__(self):
        self.detect = CrawlerDetect()
        self.cache: dict[bytes, bool] = {}

    def __call__(self, agent: bytes) -> bool:
        known = self.cache.get(agent)
        if known is None:
            text = agent.decode("iso-8859-1").strip()
            known = text in ("", "-") or bool(self.detect.isCrawler(text))
            if len(self.cache) > 100_000:
                self.cache.clear()
            self.cache[agent] = known
        return known


def classify(req: Request, is_bot) -> str:
    """page_views | assets | feeds | bots | errors | other."""
    if is_bot(req.agent):
        return "bots"
    status = req.status
    if status is not None and status >= 400:
        return "errors"
    parts = req.request.split(b" ")
    if len(parts) != 3 or parts[0] != b"GET" or status not in PAGE_STATUSES:
        return "other"
    path = parts[1].split(b"?", 1)[0].split(b"#", 1)[0].lower()
    name = path.rsplit(b"/", 1)[-1]
    if name.endswith(FEED_SUFFIXES) or path.endswith((b"/feed/", b"/rss/", b"/atom/")):
        return "feeds"
    if name == b"" or name.endswith((b".html", b".htm")) or b"." not in name:
        return "page_views"
    return "assets"


# --- one piece of one file ----------------------------------------------------------------


@dataclass
class Tally:
    """What a piece of a log adds: counts per day, visitor hashes per day, bad lines."""

    counts: dict = field(default_factory=lambda: defaultdict(lambda: [0] * len(KINDS)))
    visitors: dict = field(default_factory=lambda: defaultdict(set))
    lines: int = 0
    bad: int = 0
    consumed: int = 0  # bytes of (decompressed) text read
    samples: list = field(default_factory=list)  # (line number within the piece, text)
    new_days: set = field(default_factory=set)  # days whose salt was derived in this run

    def merge(self, other: Tally, line_base: int) -> None:
        for day, values in other.counts.items():
            mine = self.counts[day]
            for n, v in enumerate(values):
                mine[n] += v
        for day, hashes in other.visitors.items():
            self.visitors[day] |= hashes
        self.samples.extend((line_base + n, text) for n, text in other.samples[: max(0, SAMPLES - len(self.samples))])
        self.lines += other.lines
        self.bad += other.bad
        self.consumed += other.consumed
        self.new_days |= other.new_days

    def as_plain(self) -> tuple:
        """Picklable for the trip back from a worker."""
        return (
            {d: list(v) for d, v in self.counts.items()},
            dict(self.visitors),
            self.lines,
            self.bad,
            self.consumed,
            self.samples,
            self.new_days,
        )

    @classmethod
    def from_plain(cls, plain: tuple) -> Tally:
        t = cls()
        counts, visitors, t.lines, t.bad, t.consumed, t.samples, t.new_days = plain
        t.counts.update(counts)
        t.visitors.update(visitors)
        return t


def _salt(day: date, salts: dict[str, bytes], run_secret: bytes) -> tuple[bytes, bool]:
    """The day's salt: the stored one while the day is open, else derived from this run's secret
    (every worker derives the same; the run stores it with the day's first figures)."""
    stored = salts.get(day.isoformat())
    if stored is not None:
        return stored, False
    return hashlib.blake2b(day.isoformat().encode(), key=run_secret, digest_size=16).digest(), True


@dataclass(frozen=True)
class Piece:
    """A byte range of the decompressed text of one file."""

    path: str
    gz: bool
    start: int
    end: int | None  # None: to the end (gzip)
    tz: str
    salts: tuple[tuple[str, bytes], ...]
    run_secret: bytes


def _open(path: str, gz: bool):
    return gzip.open(path, "rb") if gz else open(path, "rb")  # noqa: SIM115 - closed by the caller's with


def tally_piece(piece: Piece) -> tuple:
    """Count one piece, or ``("error", reason)`` when the file cannot be read to the end
    (a damaged gzip, a file removed meanwhile): then that file is not counted at all."""
    try:
        return _tally_piece(piece)
    except (OSError, EOFError, zlib.error) as exc:
        return ("error", str(exc) or type(exc).__name__)


def _tally_piece(piece: Piece) -> tuple:
    """Count one piece (runs in a worker process for big files).

    The loop is :func:`parse_line` and :func:`classify` inlined, with their answers cached per
    time stamp (→ the day's counters, visitors and salt), per user agent and per (request
    line, status) — a log repeats all three."""
    days, is_bot = _Days(ZoneInfo(piece.tz)), _Bots()
    salts = dict(piece.salts)
    tally = Tally()
    counts, visitors = tally.counts, tally.visitors
    page = KINDS.index("page_views")
    bots = KINDS.index("bots")
    index = {k: n for n, k in enumerate(KINDS)}
    slots: dict[date, tuple[list, set, bytes]] = {}
    slot_of_stamp: dict[bytes, tuple | None] = {}
    kind_of: dict[tuple[bytes, bytes], int] = {}
    bot_cache = is_bot.cache
    fast = _FAST.fullmatch
    blake = hashlib.blake2b

    def slot(day: date) -> tuple[list, set, bytes]:
        found = slots.get(day)
        if found is None:
            salt, new = _salt(day, salts, piece.run_secret)
            if new:
                tally.new_days.add(day)
            found = slots[day] = (counts[day], visitors[day], salt)
        return found

    lines = consumed = bad = 0
    limit = (1 << 62) if piece.end is None else piece.end - piece.start
    with _open(piece.path, piece.gz) as f:
        _skip(f, piece.start, piece.gz)
        read = f.readline
        # bounded lines (a gzip of NULs without a newline is gigabytes of "one line"), iterated in C
        for raw in iter(functools.partial(read, LINE_CAP), b""):
            if consumed >= limit:
                break
            lines += 1
            size = len(raw)
            consumed += size
            if size == LINE_CAP and raw[-1] != 10:  # longer than any log line: bad, and its rest skipped
                consumed += _rest_of_line(read)
            line = raw.rstrip(b"\r\n")
            m = fast(line) if line.isascii() and len(line) <= MAX_LINE else None
            where = None
            if m is not None:
                host, stamp, request, status, agent = m.groups()
                where = slot_of_stamp.get(stamp, False)
                if where is False:
                    day = days.of_stamp(stamp)
                    where = None if day is None else slot(day)
                    if len(slot_of_stamp) > 200_000:
                        slot_of_stamp.clear()
                    slot_of_stamp[stamp] = where
            if where is None:
                req = _parse_slow(line, days)
                if req is None:
                    if line.strip():  # an empty line is neither good nor bad
                        bad += 1
                        if len(tally.samples) < SAMPLES:
                            tally.samples.append((lines, shown(line[:160])))
                    continue
                where, host, agent = slot(req.day), req.host, req.agent
                n = index[classify(req, is_bot)]
            else:
                bot = bot_cache.get(agent)
                if bot is None:
                    bot = is_bot(agent)
                if bot:
                    n = bots
                else:
                    n = kind_of.get((request, status))
                    if n is None:
                        n = index[
                            classify(
                                Request(host, date.min, request, None if status == b"-" else int(status), agent), _never
                            )
                        ]
                        if len(kind_of) > 100_000:
                            kind_of.clear()
                        kind_of[(request, status)] = n
            row, seen, salt = where
            row[n] += 1
            if n == page:
                seen.add(
                    int.from_bytes(blake(host + b"\x00" + agent, key=salt, digest_size=8).digest(), "big", signed=True)
                )
    tally.lines, tally.consumed, tally.bad = lines, consumed, bad
    for day in [d for d, v in visitors.items() if not v]:
        del visitors[day]  # days with no page view: nothing to store
    return tally.as_plain()


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown(raw: bytes) -> str:
    """A log line as quoted to the operator: control characters (a terminal's escape sequences,
    which anyone can put in a request line or user agent) written as ``\\xHH`` / ``\\uHHHH``, never sent as they are."""
    return _UNPRINTABLE.sub(_escape, raw.decode("utf-8", "replace"))


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def _never(agent: bytes) -> bool:
    return False


LINE_CAP = MAX_LINE + 3  # bytes read of one line at most: MAX_LINE, "\r\n", one more to tell it is longer


def _rest_of_line(read) -> int:
    """Skip to just after the next newline (or the end) in pieces of 1 MB; the bytes skipped."""
    skipped = 0
    while True:
        block = read(1 << 20)
        skipped += len(block)
        if not block or block[-1] == 10:
            return skipped


def _bounded_lines(f):
    """The lines of ``f`` as iterating it gives them, but none held longer than :data:`LINE_CAP`
    bytes (the rest of an over-long line is skipped): a bad line, never gigabytes in memory."""
    read = f.readline
    while True:
        raw = read(LINE_CAP)
        if not raw:
            return
        if len(raw) == LINE_CAP and raw[-1] != 10:
            _rest_of_line(read)
        yield raw


def _skip(f, offset: int, gz: bool) -> None:
    if not offset:
        return
    if not gz:
        f.seek(offset)
        return
    left = offset
    while left > 0:
        block = f.read(min(left, 1 << 20))
        if not block:
            break
        left -= len(block)


# --- files --------------------------------------------------------------------------------


GZIP_MAGIC = b"\x1f\x8b"


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def identify(path: Path) -> tuple[bool, str | None]:
    """(gzip?, identity): the identity is the hash of the first line, None for an empty file."""
    gz = _is_gzip(path)
    try:
        with _open(str(path), gz) as f:
            first = f.readline(65536)
    except (OSError, EOFError, zlib.error) as exc:
        raise TrafficError(f"{path}：无法读取（{'gzip 压缩文件损坏' if gz else exc}）") from None
    if not first:
        return gz, None
    return gz, hashlib.sha256(first.rstrip(b"\r\n")).hexdigest()


def _readable_end(path: Path) -> int:
    """A plain file's length up to and including its last newline (a line being written is left for next time)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        pos = size
        while pos > 0:
            step = min(65536, pos)
            f.seek(pos - step)
            block = f.read(step)
            cut = block.rfind(b"\n")
            if cut >= 0:
                return pos - step + cut + 1
            pos -= step
    return 0


def _pieces(path: Path, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut after newlines into pieces of about :data:`CHUNK_BYTES`."""
    bounds = [start]
    with open(path, "rb") as f:
        pos = start + CHUNK_BYTES
        while pos < end:
            f.seek(pos)
            _rest_of_line(f.readline)  # never one over-long line read whole
            pos = f.tell()
            if pos >= end:
                break
            bounds.append(pos)
            pos += CHUNK_BYTES
    bounds.append(end)
    return list(zip(bounds, bounds[1:]))


def probe(path: Path, gz: bool, offset: int, tz: ZoneInfo) -> tuple[int, int, str | None]:
    """(good, bad, first bad line) among the first :data:`PROBE_LINES` lines from ``offset``."""
    days = _Days(tz)
    good = bad = 0
    first_bad = None
    with _open(str(path), gz) as f:
        _skip(f, offset, gz)
        for raw in _bounded_lines(f):
            if not raw.strip():
                continue
            if parse_line(raw, days) is None:
                bad += 1
                first_bad = first_bad or shown(raw[:120].rstrip())
            else:
                good += 1
            if good + bad >= PROBE_LINES:
                break
    return good, bad, first_bad


# --- the store ----------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS days (
    day TEXT PRIMARY KEY, page_views INTEGER NOT NULL DEFAULT 0, visitors INTEGER NOT NULL DEFAULT 0,
    assets INTEGER NOT NULL DEFAULT 0, feeds INTEGER NOT NULL DEFAULT 0, bots INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0, other INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS salts (day TEXT PRIMARY KEY, salt BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS visitors (day TEXT NOT NULL, hash INTEGER NOT NULL, PRIMARY KEY (day, hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    identity TEXT PRIMARY KEY, name TEXT NOT NULL, offset INTEGER NOT NULL, lines INTEGER NOT NULL,
    bad_lines INTEGER NOT NULL, updated TEXT NOT NULL);
"""


class Store:
    """``traffic.sqlite``: daily figures, open days' salts and visitor hashes, files read so far."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.path.with_name(self.path.name + ".lock"), "w")  # noqa: SIM115 - held while the store is open
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # one ingest at a time: two would both read the same new lines
        self.con = sqlite3.connect(self.path)
        self.con.execute(
            "PRAGMA secure_delete = ON"
        )  # a closed day's hashes and salt are overwritten, not just unlinked
        self.con.executescript(SCHEMA)
        version = self.con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is None:
            self.con.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self.con.commit()
        elif version[0] != SCHEMA_VERSION:
            raise TrafficError(f"{self.path}：统计库版本 {version[0]} 与本程序（{SCHEMA_VERSION}）不符")

    def close(self) -> None:
        self.con.close()
        self._lock.close()

    def known(self, identity: str) -> tuple[int, int, int]:
        row = self.con.execute("SELECT offset, lines, bad_lines FROM files WHERE identity = ?", (identity,)).fetchone()
        return tuple(row) if row else (0, 0, 0)

    def salts(self) -> dict[str, bytes]:
        return dict(self.con.execute("SELECT day, salt FROM salts"))

    def closed_days(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT day FROM days WHERE closed = 1")}

    def commit_file(self, identity: str, name: str, offset: int, tally: Tally, run_secret: bytes) -> int:
        """Add one file's figures and record how far it was read, in one transaction.
        Returns the lines that fell on days already closed (their visitors cannot be de-duplicated)."""
        late = 0
        con = self.con
        with con:
            closed = self.closed_days()
            for day, values in tally.counts.items():
                key = day.isoformat()
                con.execute("INSERT OR IGNORE INTO days (day) VALUES (?)", (key,))
                con.execute(
                    "UPDATE days SET page_views = page_views + ?, assets = assets + ?, feeds = feeds + ?,"
                    " bots = bots + ?, errors = errors + ?, other = other + ? WHERE day = ?",
                    (*values, key),
                )
                if key in closed:
                    late += sum(values)
            for day in tally.new_days:
                key = day.isoformat()
                if key not in closed:
                    con.execute("INSERT OR IGNORE INTO salts VALUES (?, ?)", (key, _salt(day, {}, run_secret)[0]))
            for day, hashes in tally.visitors.items():
                key = day.isoformat()
                if key in closed:
                    con.execute("UPDATE days SET visitors = visitors + ? WHERE day = ?", (len(hashes), key))
                    continue
                con.executemany("INSERT OR IGNORE INTO visitors VALUES (?, ?)", ((key, h) for h in hashes))
                con.execute(
                    "UPDATE days SET visitors = (SELECT COUNT(*) FROM visitors WHERE day = ?) WHERE day = ?", (key, key)
                )
            lines = self.known(identity)
            con.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                (
                    identity,
                    name,
                    offset,
                    lines[1] + tally.lines,
                    lines[2] + tally.bad,
                    datetime.now(timezone.utc).isoformat(timespec="seconds"),
                ),
            )
        return late

    def close_old_days(self, open_days: int = OPEN_DAYS) -> int:
        """Close the days older than the newest day minus ``open_days``: keep the count, delete
        the salt and the hashes.  Returns how many days were closed."""
        newest = self.con.execute("SELECT MAX(day) FROM days").fetchone()[0]
        if newest is None:
            return 0
        cutoff = (date.fromisoformat(newest) - timedelta(days=open_days)).isoformat()
        with self.con:
            days = [r[0] for r in self.con.execute("SELECT day FROM days WHERE closed = 0 AND day < ?", (cutoff,))]
            for day in days:
                self.con.execute(
                    "UPDATE days SET visitors = (SELECT COUNT(*) FROM visitors WHERE day = ?),"
                    " closed = 1 WHERE day = ?",
                    (day, day),
                )
                self.con.execute("DELETE FROM visitors WHERE day = ?", (day,))
                self.con.execute("DELETE FROM salts WHERE day = ?", (day,))
            self.con.execute("DELETE FROM salts WHERE day < ?", (cutoff,))
        return len(days)


# --- ingest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileReport:
    path: str
    lines: int = 0  # lines read in this run
    bad: int = 0
    samples: tuple[tuple[int, str], ...] = ()  # (line number in the file, text)
    skipped: str = ""  # why nothing was read (already read, empty …)
    error: str = ""  # the file could not be used at all
    late: int = 0  # requests on days already closed


@dataclass(frozen=True)
class IngestReport:
    files: tuple[FileReport, ...]
    closed_days: int = 0

    @property
    def errors(self) -> tuple[FileReport, ...]:
        return tuple(f for f in self.files if f.error)


def ingest(
    db: Path | str, paths, tz: str = "Asia/Shanghai", jobs: int | None = None, open_days: int = OPEN_DAYS
) -> IngestReport:
    """Read each log (any order) into the store; a file that cannot be used is reported, the others still count.

    Every file is planned first (identity, offset, format probe), then the pieces of all
    files are counted in one parallel map — a .gz part runs beside the pieces of a plain file —
    and each file is committed on its own."""
    zone = ZoneInfo(tz)
    store = Store(db)
    run_secret = secrets.token_bytes(32)  # never stored: derives the salts of days first seen in this run
    try:
        reports: list[FileReport | None] = []
        plans: list[tuple[int, _Plan]] = []
        seen: dict[str, str] = {}
        for path in paths:
            result = _plan(store, Path(path), zone)
            if isinstance(result, _Plan):
                if result.identity in seen:  # the same file twice (a second name, a copy): count it once
                    result = FileReport(
                        result.name, skipped=f"与 {seen[result.identity]} 是同一个日志（第一行相同），不重复计数"
                    )
                else:
                    seen[result.identity] = result.name
                    plans.append((len(reports), result))
                    result = None
            reports.append(result)
        salts = tuple(store.salts().items())
        pieces: list[Piece] = []
        owner: list[int] = []
        # gzip parts first: each is one long task that cannot be split, the plain pieces fill in around it
        for n, (_, plan) in sorted(enumerate(plans), key=lambda e: not e[1][1].gz):
            for a, b in plan.ranges:
                pieces.append(Piece(plan.name, plan.gz, a, b, tz, salts, run_secret))
                owner.append(n)
        parts = parallel.map_ordered(tally_piece, pieces, jobs, min_tasks=2) if pieces else []
        for n, (slot, plan) in enumerate(plans):
            mine = [part for part, o in zip(parts, owner) if o == n]  # in file order: pieces were added in order
            reports[slot] = _commit(store, plan, mine, run_secret)
        closed = store.close_old_days(open_days)
    finally:
        store.close()
    return IngestReport(tuple(reports), closed)


@dataclass(frozen=True)
class _Plan:
    name: str
    identity: str
    gz: bool
    offset: int
    end: int | None  # plain: the last complete line; gzip: None (to its end)
    lines_before: int
    ranges: tuple[tuple[int, int | None], ...]


def _plan(store: Store, path: Path, zone: ZoneInfo) -> _Plan | FileReport:
    name = str(path)
    if not path.is_file():
        return FileReport(name, error="文件不存在或不是普通文件")
    try:
        gz, identity = identify(path)
    except TrafficError as exc:
        return FileReport(name, error=str(exc).split("：", 1)[-1])
    except OSError as exc:
        return FileReport(name, error=f"无法读取（{exc}）")
    if identity is None:
        return FileReport(name, skipped="空文件")
    offset, lines_before, _ = store.known(identity)
    if gz:
        end = None
    else:
        end = _readable_end(path)
        if end < offset:
            return FileReport(
                name, skipped=f"文件比上次读到的位置（{offset} 字节）短，可能被改写过；为免重复计数未读取"
            )
        if end == offset:
            return FileReport(name, skipped="没有新内容（已读过）")
    try:
        good, bad, first_bad = probe(path, gz, offset, zone)
    except (OSError, EOFError, zlib.error) as exc:
        return FileReport(name, error=f"无法读取（{exc}）")
    if good == 0 and bad:
        return FileReport(
            name,
            error=f"不是 combined 格式的访问日志（nginx 的 combined、Apache 的 {apachelogs.COMBINED}）："
            f"前 {bad} 行都无法解析，例如 “{first_bad}”",
        )
    if gz and good == 0 and not bad:
        return FileReport(name, skipped="没有新内容（已读过）")
    ranges = ((offset, None),) if gz else tuple(_pieces(path, offset, end))
    return _Plan(name, identity, gz, offset, end, lines_before, ranges)


def _commit(store: Store, plan: _Plan, parts: list, run_secret: bytes) -> FileReport:
    failed = [p for p in parts if p[0] == "error"]
    if failed:
        return FileReport(plan.name, error=f"读取中断（{failed[0][1]}）；本文件未计入")
    total = Tally()
    base = plan.lines_before
    for plain in parts:
        part = Tally.from_plain(plain)
        total.merge(part, base)
        base += part.lines
    new_offset = plan.offset + total.consumed if plan.gz else plan.end
    late = store.commit_file(plan.identity, plan.name, new_offset, total, run_secret)
    return FileReport(plan.name, total.lines, total.bad, tuple(total.samples), late=late)


# --- reading the store ----------------------------------------------------------------------


def _read_only(path: Path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def year_totals(path: Path | str, year: int):
    """The year's 独立用户访问总量 (sum of daily unique visitors) and 网站总访问量 (page views),
    with the days covered; None when there is no store or no day of the year in it."""
    path = Path(path)
    if not path.is_file():
        return None
    con = _read_only(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "days" not in tables:
            return None
        row = con.execute(
            "SELECT COUNT(*), COALESCE(SUM(page_views), 0), COALESCE(SUM(visitors), 0), MIN(day), MAX(day) FROM days "
            "WHERE day BETWEEN ? AND ?",
            (f"{year}-01-01", f"{year}-12-31"),
        ).fetchone()
    finally:
        con.close()
    days, views, visitors, first, last = row
    if not days:
        return None
    return TrafficYear(int(visitors), int(views), int(days), date.fromisoformat(first), date.fromisoformat(last))


@dataclass(frozen=True)
class Month:
    month: str  # 2025-03
    days: int
    page_views: int
    visitors: int
    assets: int
    feeds: int
    bots: int
    errors: int
    other: int


def monthly(path: Path | str, year: int | None = None) -> tuple[Month, ...]:
    """Per-month sums of the daily figures (of one year, or all)."""
    con = _read_only(Path(path))
    try:
        where, args = ("WHERE day BETWEEN ? AND ?", (f"{year}-01-01", f"{year}-12-31")) if year else ("", ())
        rows = con.execute(
            "SELECT substr(day, 1, 7), COUNT(*), SUM(page_views), SUM(visitors), SUM(assets), SUM(feeds), SUM(bots),"
            f" SUM(errors), SUM(other) FROM days {where} GROUP BY substr(day, 1, 7) ORDER BY 1",
            args,
        ).fetchall()
    finally:
        con.close()
    return tuple(Month(*r) for r in rows)


def file_summary(path: Path | str) -> tuple[int, int, int]:
    """(files read, lines, bad lines) so far."""
    con = _read_only(Path(path))
    try:
        row = con.execute("SELECT COUNT(*), COALESCE(SUM(lines), 0), COALESCE(SUM(bad_lines), 0) FROM files").fetchone()
    finally:
        con.close()
    return tuple(row)
