"""One HTTP GET with a bound on its size and its total time, for every fetch the portal makes
(``portal upstream ingest`` feeds, ``portal verify URL``).

``urlopen(timeout=…)`` bounds each wait for the socket, not the whole answer: a server that
sends a byte every few seconds keeps ``response.read()`` going for ever, and one that sends
gigabytes fills the memory.  :func:`get` reads with ``read1`` (what arrived, never waiting for a
full block), stops after ``limit`` bytes and fails when ``total`` seconds have passed.  The
errors are :class:`OSError`\\ s with a Chinese message, so callers that report network errors
report these too.  Never prints.
"""

from __future__ import annotations

import time
import urllib.request

BLOCK = 64 * 1024


class TooSlow(TimeoutError):
    """The answer did not finish within the total time."""


class TooLarge(OSError):
    """The answer is longer than the limit."""


def get(url: str, *, user_agent: str, timeout: float, limit: int, total: float, truncate: bool = False) -> bytes:
    """The body of ``url``: at most ``limit`` bytes (``truncate``: the first ``limit + 1`` bytes
    are returned instead of :class:`TooLarge`, for a caller that only compares them), within
    ``total`` seconds (:class:`TooSlow`); ``urllib`` errors as ``urlopen`` raises them."""
    deadline = time.monotonic() + total
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - a configured http(s) URL
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise TooSlow(f"{total:g} 秒内没有传完（已收到 {size} 字节），服务器过慢或有意拖延")
            block = response.read1(min(BLOCK, limit + 1 - size))
            if not block:
                return b"".join(chunks)
            chunks.append(block)
            size += len(block)
            if size > limit:
                if truncate:
                    return b"".join(chunks)
                raise TooLarge(f"超过 {limit // (1024 * 1024)} MB 上限，不像正常的内容")
