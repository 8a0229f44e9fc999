"""Each rule of the register (top of commitments/models.py) has one home: no second expression elsewhere.

A rule copied into a report, an export or a reminder drifts, and then two pages disagree
about the same commitment. Each case below is a pattern that only the rule's home may hold;
finding it anywhere else in the application (or the benchmark generator) fails the test.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path
    for folder in ("commitments", "bench", "tracker")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts
)

# (rule, pattern, the files allowed to hold it)
RULES = [
    (
        "history order",
        r"(order_by\(|ordering\s*=|get_latest_by|Index\(|HISTORY_ORDER\s*=).*[\"']-?(effective_on|takes_effect_on)[\"'],\s*[\"']-?recorded_at[\"']",
        {"commitments/querysets.py"},
    ),
    (
        "the tracker's organisation",
        r"settings\.TRACKER_ORGANISATION",
        {"commitments/querysets.py", "bench/generate.py"},
    ),
    (
        "administrator (is_staff follows the role, nothing reads it)",
        r"\.is_staff\b",
        {"commitments/services/people.py"},
    ),
    ("client address", r"REMOTE_ADDR", {"commitments/auth.py"}),
    (
        "overdue / open deadline (not implemented)",
        r"(!=|==)\s*Status\.IMPLEMENTED|status=Status\.IMPLEMENTED|status__in=\[?Status\.IMPLEMENTED",
        {"commitments/models.py", "commitments/querysets.py", "commitments/choices.py"},
    ),
    ("overdue (past its due date)", r"(?<![a-z_])due_on__lt\b", {"commitments/querysets.py"}),
    (
        '"no information" is never a view',
        r"status\s*!=\s*Status\.NO_INFORMATION|exclude\(\s*status=Status\.NO_INFORMATION",
        {"commitments/derived.py", "commitments/querysets.py"},
    ),
    (
        "when an update takes effect (the end of a year or a month)",
        r"takes_effect_on\s*=\s*period_end|def takes_effect_on",
        {"commitments/dates.py"},
    ),
    ("contested", r"NO_INFORMATION\W*\)\s*>\s*1|len\(views\)\s*>\s*1", {"commitments/derived.py"}),
    (
        "audience -> sensitivities",
        r"\(Sensitivity\.PUBLIC,\s*Sensitivity\.INTERNAL\)",
        {"commitments/choices.py"},
    ),
    ("a person's profile", r"Profile\.objects\.get_or_create", {"commitments/services/people.py"}),
]


def relative(path):
    return path.relative_to(ROOT).as_posix()


def test_the_sources_are_found():
    names = {relative(path) for path in SOURCES}
    assert {"commitments/models.py", "commitments/querysets.py", "commitments/derived.py"} <= names


@pytest.mark.parametrize(("rule", "pattern", "homes"), RULES, ids=[rule for rule, _p, _h in RULES])
def test_a_rule_is_written_only_in_its_home(rule, pattern, homes):
    found = []
    for path in SOURCES:
        name = relative(path)
        if name in homes:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(pattern, line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, f"{rule} is written outside its home:\n" + "\n".join(found)


def test_each_home_still_holds_its_rule():
    """The control: the patterns do match the homes, so a test above can fail."""
    for rule, pattern, homes in RULES:
        texts = [(ROOT / home).read_text(encoding="utf-8") for home in homes]
        assert any(re.search(pattern, text) for text in texts), rule
