"""A small published world for the public portal's tests: one published instrument and commitment
with public, internal and restricted material, each non-public piece carrying a unique marker."""

import dataclasses
import datetime

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from commitments import access
from commitments.choices import Sensitivity, Status
from commitments.services.history import EvidenceItem, status_update_record, status_update_verify
from commitments.services.publishing import commitment_publish_set, instrument_publish_set
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    UserFactory,
    pdf_bytes,
)

MARKERS = (
    "INTERNAL-NOTE-M1Z",
    "RESTRICTED-NOTE-M2Y",
    "INTERNAL-EVIDENCE-TITLE-M3X",
    "RESTRICTED-EVIDENCE-TITLE-M4W",
    "INTERNAL-FILE-NAME-M5V",
    "INTERNAL-FILE-CONTENT-M6U",
    "UNVERIFIED-PUBLIC-NOTE-M7T",
    "CORRECTED-PUBLIC-NOTE-M8S",
    "UNPUBLISHED-COMMITMENT-M9R",
    "INSTRUMENT-NOTES-M0Q",
    "PUBLIC-EVIDENCE-INTERNAL-UPDATE-MAP",
)


@dataclasses.dataclass
class World:
    admin: object
    editor: object
    reviewer: object
    named: object
    instrument: object
    commitment: object
    unpublished: object
    public_update: object
    public_evidence: object
    internal_update: object
    restricted_update: object
    internal_evidence: object
    ngo: object


def record(commitment, editor, *, status, day, sensitivity=Sensitivity.INTERNAL, note="", evidence=(), **kwargs):
    return status_update_record(
        commitment=commitment,
        status=status,
        effective_on=datetime.date(2024, 1, day),
        assessor=kwargs.pop("assessor"),
        recorded_by=editor,
        note=note,
        sensitivity=sensitivity,
        evidence=evidence,
        **kwargs,
    )


def build():
    for role in access.ROLES:
        Group.objects.get_or_create(name=role)
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    admin = UserFactory(username="admin", role=access.ADMINISTRATOR)
    editor = UserFactory(username="editor", role=access.EDITOR)
    reviewer = UserFactory(username="reviewer", role=access.REVIEWER)
    named = UserFactory(username="named", role=access.EDITOR)
    for person, writes in ((editor, True), (reviewer, False), (named, True)):
        profile = ProfileFactory(user=person)
        (profile.write_jurisdictions if writes else profile.read_jurisdictions).add(punjab)
    gov = OrganisationFactory(slug="synthetic-ministry", name="Synthetic Ministry", kind="government")
    ngo = OrganisationFactory(slug="synthetic-ngo", name="Synthetic Rights Group", kind="civil_society")
    instrument = InstrumentFactory(code="SYN-1", title="Synthetic convention", notes=MARKERS[9])
    commitment = CommitmentFactory(
        instrument=instrument, jurisdiction=punjab, reference="SYN-1-1", title="Synthetic published commitment"
    )
    unpublished = CommitmentFactory(instrument=instrument, jurisdiction=punjab, reference="SYN-1-2", title=MARKERS[8])

    public_update = record(
        commitment,
        editor,
        status=Status.IN_PROGRESS,
        day=5,
        sensitivity=Sensitivity.PUBLIC,
        note="Public synthetic note",
        assessor=ngo,
        evidence=[
            EvidenceItem(
                title="Public synthetic evidence",
                file=ContentFile(pdf_bytes("public content"), name="public.pdf"),
                original_filename="public.pdf",
                content_type="application/pdf",
                sensitivity=Sensitivity.PUBLIC,
            ),
            EvidenceItem(
                title=MARKERS[2],
                file=ContentFile(pdf_bytes(MARKERS[5]), name=f"{MARKERS[4]}.pdf"),
                original_filename=f"{MARKERS[4]}.pdf",
                content_type="application/pdf",
            ),
        ],
    )
    status_update_verify(update=public_update, reviewer=reviewer)
    # Later, internal and restricted entries that move the staff headline, never the public one.
    internal_update = record(
        commitment,
        editor,
        status=Status.IMPLEMENTED,
        day=20,
        note=MARKERS[0],
        assessor=gov,
        evidence=[
            EvidenceItem(
                title=MARKERS[10],
                url="https://example.org/synthetic-public-evidence-of-internal-update",
                sensitivity=Sensitivity.PUBLIC,
            )
        ],
    )
    status_update_verify(update=internal_update, reviewer=reviewer)
    restricted_update = record(
        commitment,
        named,
        status=Status.REGRESSED,
        day=25,
        note=MARKERS[1],
        assessor=gov,
        sensitivity=Sensitivity.RESTRICTED,
        restricted_to=[named],
        evidence=[
            EvidenceItem(
                title=MARKERS[3],
                url="https://example.org/synthetic-restricted",
                sensitivity=Sensitivity.RESTRICTED,
                restricted_to=[named],
            )
        ],
    )
    # Public but not verified: not public material.
    record(
        commitment, editor, status=Status.STALLED, day=26, note=MARKERS[6], assessor=gov, sensitivity=Sensitivity.PUBLIC
    )
    # Public and verified, then corrected: the corrected entry is no longer public material.
    corrected = record(
        unpublished, editor, status=Status.STALLED, day=3, note=MARKERS[7], assessor=gov, sensitivity=Sensitivity.PUBLIC
    )
    status_update_verify(update=corrected, reviewer=reviewer)
    record(unpublished, editor, status=Status.NOT_STARTED, day=3, assessor=gov, corrects=corrected, note="Correction")
    instrument_publish_set(instrument=instrument, published=True, actor=admin)
    commitment_publish_set(commitment=commitment, published=True, actor=admin)
    commitment.refresh_from_db()
    return World(
        admin=admin,
        editor=editor,
        reviewer=reviewer,
        named=named,
        instrument=instrument,
        commitment=commitment,
        unpublished=unpublished,
        public_update=public_update,
        public_evidence=public_update.evidence.get(sensitivity=Sensitivity.PUBLIC),
        internal_update=internal_update,
        restricted_update=restricted_update,
        internal_evidence=public_update.evidence.get(sensitivity=Sensitivity.INTERNAL),
        ngo=ngo,
    )
