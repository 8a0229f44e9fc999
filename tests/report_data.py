"""A small but varied history for report tests: two jurisdictions, two sources that disagree,
public and internal updates, evidence files and links, an Urdu note and hostile notes."""

import datetime

from django.core.files.base import ContentFile

from commitments import access
from commitments.models import Instrument, Sensitivity, Status
from commitments.services.history import EvidenceItem
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ReviewFactory,
    SourceFactory,
    StatusUpdateFactory,
    UserFactory,
    pdf_bytes,
)

D = datetime.date
TODAY = D(2025, 6, 30)
URDU_NOTE = "خیبر پختونخوا میں قانون سازی مکمل ہو گئی"
HOSTILE_NOTES = ['=HYPERLINK("http://attacker.example/x","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\r=1"]


def build(today=TODAY):
    """Return a dict of the people and records made."""
    dri = OrganisationFactory(slug="dri", name="Tracker organisation")
    monitor = OrganisationFactory(slug="monitor", name="Independent monitor", kind="civil_society")
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    treaty = InstrumentFactory(code="TREATY-A", title="Example treaty", bound_on=D(2010, 1, 1))
    plan = InstrumentFactory(
        code="PLAN-KP", title="Example provincial plan", kind=Instrument.Kind.PROVINCIAL_PLAN, bound_on=D(2015, 1, 1)
    )
    ReviewFactory(instrument=treaty, title="Second periodic report", reviewed_on=D(2022, 7, 1))
    editor = UserFactory(username="amina", first_name="Amina", last_name="Khan", role=access.EDITOR)
    reviewer = UserFactory(username="bilal", first_name="Bilal", last_name="Ahmed", role=access.REVIEWER)
    admin = UserFactory(username="admin", role=access.ADMINISTRATOR)
    source = SourceFactory(url="https://example.org/treaty-observations", title="Concluding observations (example)")

    def commitment(reference, instrument, jurisdiction, **kwargs):
        item = CommitmentFactory(
            reference=reference,
            instrument=instrument,
            jurisdiction=jurisdiction,
            title=f"Commitment {reference}",
            **kwargs,
        )
        item.sources.add(source)
        return item

    def update(item, status, day, assessor=dri, sensitivity=Sensitivity.PUBLIC, note="", evidence=(), verified=False):
        result = StatusUpdateFactory(
            commitment=item,
            status=status,
            effective_on=day,
            assessor=assessor,
            recorded_by=editor,
            sensitivity=sensitivity,
            note=note,
            evidence=evidence,
            today=today,
        )
        if verified:
            from commitments.services.history import status_update_verify

            status_update_verify(update=result, reviewer=reviewer)
        return result

    law = commitment("KP-1", treaty, kp, articles="2, 26", due_on=D(2023, 12, 31))
    update(law, Status.NOT_STARTED, D(2019, 6, 1))
    update(
        law,
        Status.IN_PROGRESS,
        D(2021, 3, 15),
        note="Draft bill tabled",
        evidence=[
            EvidenceItem(
                title="Assembly order paper",
                url="https://example.org/order-paper",
                evidence_on=D(2021, 3, 15),
                source_organisation=dri,
                sensitivity=Sensitivity.PUBLIC,
            )
        ],
        verified=True,
    )
    update(
        law,
        Status.IMPLEMENTED,
        D(2023, 2, 1),
        note=URDU_NOTE,
        evidence=[
            EvidenceItem(
                title="Gazette notification",
                file=ContentFile(pdf_bytes("gazette"), name="gazette.pdf"),
                original_filename="gazette.pdf",
                content_type="application/pdf",
                evidence_on=D(2023, 2, 1),
                sensitivity=Sensitivity.PUBLIC,
            )
        ],
    )
    update(
        law, Status.PARTIALLY_IMPLEMENTED, D(2023, 5, 1), assessor=monitor, note="Rules of business not yet notified"
    )

    police = commitment("KP-2", treaty, kp, articles="7", due_on=D(2022, 1, 1))
    update(police, Status.IN_PROGRESS, D(2020, 2, 1))
    update(police, Status.REGRESSED, D(2024, 9, 1), note=HOSTILE_NOTES[0])
    update(
        police, Status.STALLED, D(2024, 10, 1), sensitivity=Sensitivity.INTERNAL, note="Internal: budget line frozen"
    )

    shelters = commitment("PLAN-1", plan, kp, recommendation_ref="Rec. 12")
    for index, note in enumerate(HOSTILE_NOTES[1:]):
        update(shelters, Status.IN_PROGRESS, D(2024, 1, 1 + index), note=note)

    commitment("PLAN-2", plan, kp, recommendation_ref="Rec. 13")  # nothing recorded yet

    lahore = commitment("PB-1", treaty, punjab, articles="2")
    update(lahore, Status.IMPLEMENTED, D(2021, 1, 1))

    return {
        "admin": admin,
        "editor": editor,
        "reviewer": reviewer,
        "kp": kp,
        "punjab": punjab,
        "dri": dri,
        "monitor": monitor,
    }
