"""Responsible for the charts in cogrant's reports, readable without JavaScript: bar charts as inline SVG
(each with a <title> and an aria-label, and the same facts in a table beside it), and a project's timeline
as steps that its report draws as a list with CSS bars (the words are the list; the bars only show them).
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


@dataclass(frozen=True)
class TimelineStep:
    """An event placed on its project's timeline: `share` is how far through it (0 to 100 per cent)."""

    day: dt.date
    label: str
    state: str
    share: int
    colour: str


def timeline_steps(events: Sequence[TimelineEvent]) -> list[TimelineStep]:
    """Each event with how far it falls between the first and the last, for a timeline drawn as bars in
    HTML and CSS (a list a screen reader reads as text, cheap to lay out in a PDF)."""
    if not events:
        return []
    first, last = events[0].day, events[-1].day
    span = max((last - first).days, 1)
    return [
        TimelineStep(
            day=event.day,
            label=event.label,
            state=event.state,
            share=round(100 * min(max((event.day - first).days, 0), span) / span),
            colour=STATE_COLOURS.get(event.state, "#1d70b8"),
        )
        for event in events
    ]


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
