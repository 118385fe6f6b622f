"""Generated access logs (nginx/Apache combined format) for tests/test_traffic.py and bench/traffic_speed.py.

Nothing here is committed as a fixture: tests write the lines they need at test time.
:func:`line` makes one line; :func:`realistic` a deterministic stream of a mixed day —
readers on phones and desktops (IPv4 and IPv6), their asset requests, feed readers, search
engines and monitoring, 404s, HEAD requests and redirects.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "MicroMessenger/8.0.49(0x1800312c) NetType/WIFI Language/zh_CN"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Mobile Safari/"
    "537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
BROWSERS = (CHROME, WECHAT, ANDROID, FIREFOX)
BAIDUSPIDER = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
UPTIME = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
CURL = "curl/8.5.0"
BOTS = (BAIDUSPIDER, GOOGLEBOT, UPTIME, CURL)
PAGES = (
    "/",
    "/bureau/",
    "/bureau/news/",
    "/bureau/2025/2025-06-05-trade-in-rules-2025/",
    "/xxgk/catalog/",
    "/xxgk/website-report/2025/",
    "/stats/2025/",
    "/donghu/local/page/2/",
    "/search/",
    "/bureau/2025/2025-03-26-foreign-trade-forum/index.html",
)
ASSETS = (
    "/assets/stylesheets/main.css",
    "/assets/javascripts/bundle.js",
    "/assets/images/logo.png",
    "/files/2025/budget.pdf",
    "/pagefind/pagefind.js",
    "/favicon.ico",
)
FEEDS = ("/feed.xml", "/bureau/feed.xml")


def stamp(when: datetime) -> str:
    return when.strftime("%d/%b/%Y:%H:%M:%S %z")


def line(
    ip: str,
    when: datetime,
    path: str = "/",
    status: int = 200,
    agent: str = CHROME,
    method: str = "GET",
    size: int = 5120,
    referer: str = "-",
) -> str:
    """One combined-format line, as nginx writes it."""
    return f'{ip} - - [{stamp(when)}] "{method} {path} HTTP/1.1" {status} {size} "{referer}" "{agent}"\n'


def realistic(lines: int, start: datetime, seed: int = 1, span: timedelta = timedelta(days=1)) -> "iter[str]":
    """``lines`` lines from ``start`` over ``span``, deterministic for a seed."""
    rng = random.Random(seed)
    step = span / max(lines, 1)
    readers = [
        (
            f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            rng.choice(BROWSERS),
        )
        for _ in range(3000)
    ]
    readers += [
        (f"2408:8207:{rng.randrange(65536):x}:{rng.randrange(65536):x}::{rng.randrange(65536):x}", rng.choice(BROWSERS))
        for _ in range(1000)
    ]
    for n in range(lines):
        when = start + step * n
        roll = rng.random()
        ip, agent = rng.choice(readers)
        if roll < 0.40:
            yield line(
                ip, when, rng.choice(PAGES), rng.choice((200, 200, 200, 304)), agent, referer="https://www.baidu.com/"
            )
        elif roll < 0.75:
            yield line(ip, when, rng.choice(ASSETS), 200, agent, size=rng.randrange(500, 90000))
        elif roll < 0.78:
            yield line(
                ip,
                when,
                rng.choice(FEEDS),
                200,
                "Feedly/1.0 (+http://www.feedly.com/fetcher.html)" if rng.random() < 0.5 else agent,
            )
        elif roll < 0.90:
            yield line(
                f"180.76.{rng.randrange(256)}.{rng.randrange(1, 255)}", when, rng.choice(PAGES), 200, rng.choice(BOTS)
            )
        elif roll < 0.95:
            yield line(ip, when, "/wp-login.php", 404, agent, size=153)
        elif roll < 0.98:
            yield line(ip, when, rng.choice(PAGES), 200, agent, method="HEAD", size=0)
        else:
            yield line(ip, when, "/bureau", 301, agent, size=169)


CST = timezone(timedelta(hours=8))
