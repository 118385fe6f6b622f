"""Plain SVG charts for the statistics pages: horizontal bars and monthly columns.

The SVG is written by hand (no JavaScript, no web font, no outside reference) so it shows
in any browser and on intranets without internet access, and the bytes depend only on the
figures — a rebuild of the same content gives the same file.  Every bar carries its number
as text and the chart has a ``<title>``/``<desc>``; the table next to it is the full
alternative.  Nothing here knows about items or configuration.
"""

from __future__ import annotations

from pipeline.render.common import h

FONT = 'font-family="sans-serif" font-size="13"'
COLOURS = ("#c0392b", "#7f8c8d", "#2c7fb8", "#e67e22")


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">\n'
        f"<title>{h(title)}</title>\n<desc>{h(desc)}</desc>\n"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>\n'
        f'<text x="{width // 2}" y="22" text-anchor="middle" {FONT} font-weight="bold">{h(title)}</text>\n'
        + "".join(body)
        + "</svg>\n"
    )


def bar_chart(title: str, labels, values, width: int = 720) -> str:
    """Horizontal bars, one per label, its value printed at the end of the bar."""
    labels, values = list(labels), list(values)
    row, top, label_w = 26, 40, 190
    height = top + row * max(1, len(labels)) + 16
    biggest = max(values, default=0) or 1
    span = width - label_w - 70
    body = []
    for n, (label, value) in enumerate(zip(labels, values)):
        y = top + n * row
        w = round(span * value / biggest, 1)
        body.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" {FONT}>{h(label)}</text>\n')
        body.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row - 8}" fill="{COLOURS[0]}"/>\n')
        body.append(f'<text x="{label_w + w + 6}" y="{y + 17}" {FONT}>{value}</text>\n')
    desc = "；".join(f"{label} {value}" for label, value in zip(labels, values))
    return _svg(width, height, title, desc, body)


def column_chart(title: str, labels, series, width: int = 720, height: int = 300) -> str:
    """Grouped vertical columns: ``series`` is ``[(name, values), …]`` over the same labels."""
    labels = list(labels)
    series = [(name, list(vals)) for name, vals in series]
    left, right, top, bottom = 40, 20, 60, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    biggest = max((v for _, vals in series for v in vals), default=0) or 1
    slot = plot_w / max(1, len(labels))
    bar = max(2.0, (slot - 6) / max(1, len(series)))
    base_y = top + plot_h
    body = [f'<line x1="{left}" y1="{base_y}" x2="{width - right}" y2="{base_y}" stroke="#333"/>\n']
    for s, (name, _vals) in enumerate(series):  # legend
        x = left + s * 140
        body.append(f'<rect x="{x}" y="34" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>\n')
        body.append(f'<text x="{x + 18}" y="45" {FONT}>{h(name)}</text>\n')
    for n, label in enumerate(labels):
        x0 = left + n * slot + 3
        for s, (_name, vals) in enumerate(series):
            value = vals[n] if n < len(vals) else 0
            bh = round(plot_h * value / biggest, 1)
            x = round(x0 + s * bar, 1)
            body.append(
                f'<rect x="{x}" y="{round(base_y - bh, 1)}" width="{round(bar - 1, 1)}" height="{bh}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"/>\n'
            )
            if value:
                body.append(
                    f'<text x="{round(x + bar / 2, 1)}" y="{round(base_y - bh - 3, 1)}" text-anchor="middle" '
                    f'font-family="sans-serif" font-size="10">{value}</text>\n'
                )
        body.append(
            f'<text x="{round(left + n * slot + slot / 2, 1)}" y="{base_y + 18}" text-anchor="middle" '
            f"{FONT}>{h(label)}</text>\n"
        )
    desc = "；".join(f"{name}：" + "，".join(f"{label} {v}" for label, v in zip(labels, vals)) for name, vals in series)
    return _svg(width, height, title, desc, body)
