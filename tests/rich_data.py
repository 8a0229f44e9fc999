"""A varied dataset for dashboard, list and export tests: every dashboard figure has something to count.

`build(scale)` makes about 20 × scale commitments across GSP+ groups, a national plan and two
provincial plans, with contested, overdue, stale, restricted, verified and linked ones.
"""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from commitments import access, models
from commitments.services.commitments import commitment_link_add
from commitments.services.history import status_update_record, status_update_verify
from tests.factories import (
    CommitmentFactory,
    GSPRequirementFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    ThemeFactory,
    UserFactory,
)

S = models.Status


class Data:
    pass


def base():
    """Reference data and people, made once."""
    d = Data()
    for role in access.ROLES:  # a transactional test starts from a flushed database
        Group.objects.get_or_create(name=role)
    d.federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    d.punjab = JurisdictionFactory(code="punjab", name="Punjab")
    d.sindh = JurisdictionFactory(code="sindh", name="Sindh")
    d.tracker = OrganisationFactory(slug="dri", name="Tracker organisation", kind="civil_society")
    d.government = OrganisationFactory(slug="mohr", name="Ministry of Human Rights", kind="government")
    d.cso = OrganisationFactory(slug="cso", name="A civil-society group", kind="civil_society")
    d.themes = [ThemeFactory(slug="labour", name="Labour"), ThemeFactory(slug="women", name="Women's rights")]
    d.gsp = InstrumentFactory(
        code="GSP+", title="GSP+", kind=models.Instrument.Kind.TRADE_SCHEME, jurisdiction=d.federal
    )
    d.conventions = {}
    for code, group, kind in (
        ("ICCPR", "human_rights", "un_core"),
        ("C087", "labour", "ilo_fundamental"),
        ("CBD", "environment", "environment"),
        ("UNCAC", "governance", "governance"),
    ):
        instrument = InstrumentFactory(code=code, title=f"Convention {code}", kind=kind, jurisdiction=d.federal)
        GSPRequirementFactory(scheme=d.gsp, instrument=instrument, group=group)
        d.conventions[code] = instrument
    d.nap = InstrumentFactory(code="NAP-HR", title="National action plan", kind="national_plan", jurisdiction=d.federal)
    d.punjab_plan = InstrumentFactory(
        code="PB-HRP", title="Punjab human-rights plan", kind="provincial_plan", jurisdiction=d.punjab
    )
    d.sindh_plan = InstrumentFactory(
        code="SD-HRP", title="Sindh human-rights plan", kind="provincial_plan", jurisdiction=d.sindh
    )
    d.admin = UserFactory(username="admin-user", role=access.ADMINISTRATOR)
    d.editor = UserFactory(username="editor-user", role=access.EDITOR)
    ProfileFactory(user=d.editor, read=[d.federal, d.punjab, d.sindh], write=[d.federal, d.punjab, d.sindh])
    d.punjab_viewer = UserFactory(username="punjab-viewer", role=access.VIEWER)
    ProfileFactory(user=d.punjab_viewer, read=[d.punjab])
    d.reviewer = UserFactory(username="reviewer-user", role=access.REVIEWER)
    ProfileFactory(user=d.reviewer, read=[d.federal, d.punjab, d.sindh])
    d.commitments = []
    return d


def record(d, commitment, status, on, assessor=None, **kwargs):
    return status_update_record(
        commitment=commitment,
        status=status,
        effective_on=on,
        assessor=assessor or d.tracker,
        recorded_by=kwargs.pop("recorded_by", d.editor),
        **kwargs,
    )


def add(d, scale=1, start=0):
    """Add 20 × scale commitments; returns them."""
    today = timezone.localdate()
    long_ago = timezone.now() - datetime.timedelta(days=400)
    made = []
    instruments = [*d.conventions.values(), d.nap, d.punjab_plan, d.sindh_plan]
    statuses = [S.IMPLEMENTED, S.IN_PROGRESS, S.PARTIALLY_IMPLEMENTED, S.NOT_STARTED, S.STALLED]
    nap_targets = []
    for i in range(start, start + 20 * scale):
        instrument = instruments[i % len(instruments)]
        jurisdiction = instrument.jurisdiction if instrument.kind == "provincial_plan" else d.federal
        if instrument.kind not in ("provincial_plan", "national_plan") and i % 3 == 0:
            jurisdiction = d.punjab
        c = CommitmentFactory(
            instrument=instrument,
            reference=f"R{i}",
            title=f"Commitment number {i}",
            jurisdiction=jurisdiction,
            responsible_body=d.government,
            due_on=today - datetime.timedelta(days=30)
            if i % 4 == 0
            else (today + datetime.timedelta(days=90) if i % 4 == 1 else None),
            themes=[d.themes[i % 2]] if i % 5 else [],
        )
        made.append(c)
        kind = i % 6
        if kind == 5:
            continue  # never updated: no information, stale
        record(d, c, S.IN_PROGRESS, datetime.date(2024, 1 + i % 6, 10), note=f"Started {i}")
        status = statuses[i % len(statuses)]
        update = record(
            d,
            c,
            status,
            datetime.date(2024, 7 + i % 5, 5),
            note='=HYPERLINK("x")' if i == start else f"Progress {i}",
            recorded_at=long_ago if kind == 4 else None,
        )
        if kind == 1:
            status_update_verify(update=update, reviewer=d.reviewer)
        if kind == 2:
            # The government and a civil-society group disagree.
            record(d, c, S.IMPLEMENTED, datetime.date(2024, 9, 1), assessor=d.government)
            record(d, c, S.PARTIALLY_IMPLEMENTED, datetime.date(2024, 9, 2), assessor=d.cso)
        if kind == 3:
            record(
                d,
                c,
                S.REGRESSED,
                datetime.date(2025, 1, 1),
                note="Restricted detail",
                sensitivity=models.Sensitivity.RESTRICTED,
                restricted_to=[d.admin],
            )
        if instrument == d.nap:
            nap_targets.append(c)
    # Roll-up: provincial-plan commitments contribute to national commitments and to conventions.
    conventions = [c for c in made if c.instrument.code in d.conventions]
    national = [c for c in made if c.instrument == d.nap]
    provincial = [c for c in made if c.instrument.kind == "provincial_plan"]
    for index, c in enumerate(provincial):
        if national:
            commitment_link_add(source=c, target=national[index % len(national)])
        if conventions:
            commitment_link_add(source=c, target=conventions[index % len(conventions)])
    d.commitments.extend(made)
    return made


def build(scale=1):
    d = base()
    add(d, scale)
    return d
