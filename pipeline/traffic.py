"""访问量 from the web server's own access logs: the store and its yearly figures.

The store is SQLite under ``.portal/`` (``traffic.sqlite``): daily page views, unique
visitors and the requests left out.  Reading the logs (``portal traffic ingest``) comes
with the ingest stage; this part only reads the store.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

DEFAULT_DB = Path(".portal") / "traffic.sqlite"


def year_totals(path: Path | str, year: int):
    """The year's 独立用户访问总量 (sum of daily unique visitors) and 网站总访问量 (page views),
    with the days covered; None when there is no store or no day of the year in it."""
    from pipeline.website_report import TrafficYear

    path = Path(path)
    if not path.is_file():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "days" not in tables:
            return None
        row = con.execute("SELECT COUNT(*), COALESCE(SUM(page_views), 0), COALESCE(SUM(visitors), 0), MIN(day), MAX(day) FROM days "
                          "WHERE day BETWEEN ? AND ?", (f"{year}-01-01", f"{year}-12-31")).fetchone()
    finally:
        con.close()
    days, views, visitors, first, last = row
    if not days:
        return None
    return TrafficYear(int(visitors), int(views), int(days), date.fromisoformat(first), date.fromisoformat(last))
