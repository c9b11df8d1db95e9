"""Charts (SVG bars, timeline steps) and the plain-language check (pure logic)."""

from __future__ import annotations

import datetime as dt
import socket
import xml.etree.ElementTree as ET

from reports.charts import Bar, TimelineEvent, bar_chart_svg, timeline_steps
from services import readability
from services.readability import is_plain, reading_age, visible_text

SVG = "{http://www.w3.org/2000/svg}"


def test_timeline_steps_say_how_far_through_the_project_each_event_falls() -> None:
    events = [
        TimelineEvent(dt.date(2031, 1, 15), "We started", "start"),
        TimelineEvent(dt.date(2031, 7, 15), "Check-in <1> & more", "delayed"),
        TimelineEvent(dt.date(2032, 1, 15), "The end", "end"),
    ]
    steps = timeline_steps(events)
    assert [step.share for step in steps] == [0, round(100 * 181 / 365), 100]
    assert [step.label for step in steps] == ["We started", "Check-in <1> & more", "The end"]
    assert steps[1].colour == "#f47738" and timeline_steps([]) == []


def test_a_timeline_of_one_day_does_not_divide_by_zero() -> None:
    day = dt.date(2031, 1, 15)
    steps = timeline_steps([TimelineEvent(day, "We started", "start"), TimelineEvent(day, "The end", "end")])
    assert [step.share for step in steps] == [0, 0]


def test_bars_scale_to_the_largest_value() -> None:
    root = ET.fromstring(bar_chart_svg([Bar("Awarded", 100, "100"), Bar("Paid", 25, "25")], title="Money"))
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == 4 * widths[1] > 0


def test_plain_words_pass_and_dense_prose_does_not_without_the_network(monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the plain-language check must work offline; tried {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    readability._textstat.cache_clear()  # load the dictionary again, now with the network refused
    plain = "We met every week. People came back. They felt less alone. We had a picnic in the park."
    dense = (
        "Notwithstanding considerable methodological heterogeneity, the intervention demonstrated "
        "statistically significant improvements in self-reported psychosocial wellbeing indicators."
    )
    assert is_plain(plain) and not is_plain(dense) and reading_age(dense) > 16


def test_readable_text_keeps_the_words_and_drops_styles_and_charts() -> None:
    html = "<style>p{}</style><h2>What changed</h2><p>The clinic runs it now</p><svg><text>x</text></svg>"
    assert visible_text(html).splitlines() == ["What changed", "", "The clinic runs it now"]
