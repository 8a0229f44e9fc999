"""Charts run in the reading direction: left to right in English, right to left in Urdu."""

import datetime

from django.utils import translation

from commitments.charts import Bar, trend_chart
from commitments.choices import Status


def _bar():
    return Bar("Synthetic bar", {}, {Status.NOT_STARTED: 1, Status.IN_PROGRESS: 3})


def test_in_english_a_bar_starts_at_the_left():
    with translation.override("en"):
        segments = _bar().segments
    assert [(s["status"], s["x"], s["width"]) for s in segments] == [
        (Status.NOT_STARTED, 0.0, 25.0),
        (Status.IN_PROGRESS, 25.0, 75.0),
    ]


def test_in_urdu_a_bar_starts_at_the_right():
    with translation.override("ur"):
        segments = _bar().segments
    assert [(s["status"], s["x"], s["width"]) for s in segments] == [
        (Status.NOT_STARTED, 75.0, 25.0),
        (Status.IN_PROGRESS, 0.0, 75.0),
    ]


def _rows():
    def counts(implemented):
        return [{"count": implemented}, {"count": 0}, {"count": 0}]

    months = [datetime.date(2026, month, 1) for month in (1, 2, 3)]
    return [{"month": month, "counts": counts(n)} for month, n in zip(months, (1, 2, 4))]


def test_the_trend_runs_from_the_left_in_english_and_from_the_right_in_urdu():
    with translation.override("en"):
        english = trend_chart(_rows(), height=100)["lines"][0]["points"]
    with translation.override("ur"):
        urdu = trend_chart(_rows(), height=100)["lines"][0]["points"]
    assert english == "0.0,75.0 50.0,50.0 100.0,0.0"
    assert urdu == "100.0,75.0 50.0,50.0 0.0,0.0"
