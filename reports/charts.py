"""Responsible for the charts in cogrant's reports: inline SVG written here, readable without JavaScript.

Every chart has a <title> and an aria-label, and the reports put the same facts in a table or list beside
it, so nobody depends on seeing the picture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

STATE_COLOURS = {
    "completed": "#00703c",
    "in_progress": "#1d70b8",
    "not_started": "#b1b4b6",
    "delayed": "#f47738",
    "dropped": "#505a5f",
    "start": "#0b0c0c",
    "end": "#0b0c0c",
}


@dataclass(frozen=True)
class TimelineEvent:
    day: dt.date
    label: str
    state: str


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str


def timeline_svg(events: Sequence[TimelineEvent], *, title: str, width: int = 640) -> str:
    """Events as dots on a line from the first to the last; labels alternate above and below it."""
    if not events:
        return ""
    first, last = events[0].day, events[-1].day
    span = max((last - first).days, 1)
    left, right, axis_y, height = 20, width - 20, 70, 140
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#0b0c0c" stroke-width="2"/>',
    ]
    for n, event in enumerate(events):
        x = left + (right - left) * (event.day - first).days / span
        colour = STATE_COLOURS.get(event.state, "#1d70b8")
        above = n % 2 == 0
        text_y = axis_y - 22 if above else axis_y + 30
        anchor = "start" if x < width * 0.2 else "end" if x > width * 0.8 else "middle"
        parts.append(f'<circle cx="{x:.1f}" cy="{axis_y}" r="7" fill="{colour}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{text_y}" font-size="12" text-anchor="{anchor}">'
            f"{escape(event.label)}</text>"
            f'<text x="{x:.1f}" y="{text_y + 14}" font-size="11" text-anchor="{anchor}" fill="#505a5f">'
            f"{event.day:%b %Y}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_svg(bars: Sequence[Bar], *, title: str, width: int = 640, colour: str = "#1d70b8") -> str:
    """Horizontal bars, one row each, scaled to the largest value; the value is written at the bar's end."""
    if not bars:
        return ""
    row, label_width = 24, 200
    height = row * len(bars) + 10
    largest = max(bar.value for bar in bars) or 1
    room = width - label_width - 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for n, bar in enumerate(bars):
        y = 5 + n * row
        length = room * bar.value / largest
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" font-size="12">{escape(bar.shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
