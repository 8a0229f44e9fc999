"""Synthetic files in the layouts the recommendation import reads: UHRI's "Export to Excel"
workbook, the UPR thematic list of recommendations (CSV) and ILO comments (CSV).

Every text, state, symbol and id here is made up (states of fiction, "SYN" symbols,
generated ids): no real recommendation is reproduced. The benchmark uses the same generator.
"""

import csv
import datetime
import io
import random
import uuid

from commitments.recommendation_import import EXCEL_EPOCH, UHRI_COLUMNS

STATES = ("Freedonia", "Sylvania", "Ruritania", "Genovia", "Latveria", "Wakanda", "Elbonia", "Zubrowka")
THEMES = (
    "Equality & non-discrimination",
    "Women's rights",
    "Right to education",
    "Torture and other cruel, inhuman or degrading treatment",
    "Labour rights and right to work",
)
GROUPS = ("Women & girls", "Children", "Persons with disabilities", "Minorities")
SDGS = ("5.1 - End discrimination against women and girls", "16.3 - Promote the rule of law", "8.7 - End child labour")
WORDS = (
    "adopt strengthen legislation policy measures protect investigate prosecute guarantee access remedy "
    "training officials monitoring independent institution budget resources rural urban data collection "
    "awareness campaign consult civil society review reform criminal code complaint mechanism shelters"
).split()


def serial(day):
    """An Excel serial date number, as UHRI writes dates."""
    return (day - EXCEL_EPOCH).days


def uhri_row(
    *,
    number,
    text=None,
    body="UPR",
    symbol="A/HRC/SYN/1",
    kind="Recommendations",
    position="Supported",
    states=("Freedonia",),
    themes=THEMES[:2],
    groups=GROUPS[:1],
    sdgs=SDGS[:1],
    published=datetime.date(2023, 3, 1),
    annotation_id=None,
    session="42",
    country="Pakistan",
):
    """One row of a UHRI export, as a {column: value} dict in UHRI's own conventions."""
    paragraph = f"147.{number}"
    return {
        "Text": text if text is not None else f"{paragraph} Synthetic recommendation {number}: adopt measures",
        "Countries Concerned": f"- {country}",
        "Reccomending Body": f"- {body}",
        "Document Symbol": symbol,
        "Themes": "\n".join(f"- {t}" for t in themes),
        "Affected Persons": "\n".join(f"- {g}" for g in groups),
        "Sdgs": "\n".join(f"- {s}" for s in sdgs),
        "Document Publication Date": serial(published) if published else "",
        "UPR Reccomending States": "\n".join(f"- {s}" for s in states) if body == "UPR" else "",
        "UPR Position": f"- {position}" if position else "",
        "Type": f"- {kind}",
        "OHCHR Annotation Id": annotation_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"synthetic/{symbol}/{number}")),
        "UPR Session": f"- {session}" if body == "UPR" and session else "",
        "Regions Concerned": "- Asia-Pacific",
        "Recommending Regions": "",
        "Date of publication on UHRI": serial(published) + 0.4996 if published else "",
    }


def synthetic_text(rng, number):
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40)))
    return f"147.{number} Synthetic recommendation {number}: {words} ({rng.choice(STATES)});"


def uhri_rows(count, *, seed=1, symbol="A/HRC/SYN/1", **kwargs):
    rng = random.Random(seed)
    return [
        uhri_row(
            number=n,
            text=synthetic_text(rng, n),
            symbol=symbol,
            states=(rng.choice(STATES),),
            position=rng.choice(("Supported", "Noted")),
            themes=rng.sample(THEMES, 2),
            groups=rng.sample(GROUPS, 1),
            sdgs=rng.sample(SDGS, 1),
            **kwargs,
        )
        for n in range(1, count + 1)
    ]


def uhri_workbook(rows, columns=UHRI_COLUMNS):
    """The bytes of a UHRI-layout .xlsx: the header row, then one row per dict (numbers as numbers)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Export"
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def uhri_csv(rows, columns=UHRI_COLUMNS):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode("utf-8")


def matrix_csv(rows, *, title_row=True):
    """The UPR thematic list of recommendations as CSV: each row (number, text, state, position, source, themes, groups, sdgs)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if title_row:
        writer.writerow(["Thematic list of recommendations (synthetic)", "", "", ""])
    writer.writerow(["Recommendation", "Position", "Full list of themes", "SDGs"])
    for number, text, state, position, source, themes, groups, sdgs in rows:
        writer.writerow(
            [
                f"{number} {text} ({state});",
                f"{position}\nSource of position: {source}",
                "\n".join(f"- {t}" for t in themes) + "\nAffected persons:\n" + "\n".join(f"- {g}" for g in groups),
                "\n".join(sdgs),
            ]
        )
    return out.getvalue().encode("utf-8")


def ilo_csv(rows):
    """ILO comments: (convention, kind, year, session, normlex, text)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["convention", "kind", "year", "session", "normlex", "text"])
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
