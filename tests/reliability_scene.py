"""One office for the access and hostile-input tests: two provinces, a person in each role,
records in each province, and restricted items that name one person only.

Restricted text carries a marker (SECRET_MARKERS) so that a sweep of every output can look for it.
"""

import dataclasses
import datetime

from django.contrib.auth.models import AnonymousUser, Group
from django.core.files.base import ContentFile

from commitments import access
from commitments.models import Sensitivity
from commitments.querysets import forget_tracker_organisation
from commitments.services.history import EvidenceItem, status_update_record
from commitments.services.people import calendar_token_create
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    MechanismFactory,
    OrganisationFactory,
    ProfileFactory,
    RecommendationFactory,
    ReviewFactory,
    UserFactory,
    pdf_bytes,
)

PASSWORD = "correct horse battery staple"
SECRET_MARKERS = ("RESTRICTED-NOTE-7Q4", "RESTRICTED-EVIDENCE-9K2", "RESTRICTED-FILE-3X8")
ROLES = ("anonymous", "viewer", "editor", "reviewer", "administrator", "outsider", "named")


@dataclasses.dataclass
class Scene:
    users: dict
    punjab: object
    sindh: object
    dri: object
    instrument: object
    review: object
    commitment: object  # in Punjab, with an update and evidence
    other_commitment: object  # in Sindh
    update: object
    evidence: object
    restricted_update: object
    restricted_evidence: object
    other_evidence: object
    restricted_link_evidence: object
    calendar_token: str  # the viewer's feed token


def build():
    for role in access.ROLES:
        Group.objects.get_or_create(name=role)
    dri = OrganisationFactory(slug="dri", name="Democracy Reporting International", kind="civil_society")
    forget_tracker_organisation()
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    sindh = JurisdictionFactory(code="sindh", name="Sindh")
    instrument = InstrumentFactory(
        code="ICCPR", next_report_due_on=datetime.date(2030, 1, 1), next_report_due_source="https://example.org/cycle"
    )
    review = ReviewFactory(instrument=instrument)
    commitment = CommitmentFactory(
        instrument=instrument,
        jurisdiction=punjab,
        reference="P-1",
        title="Punjab commitment",
        review=review,
        due_on=datetime.date(2029, 6, 30),
    )
    # The Punjab commitment is also one of the reviewing committee's recommendations.
    RecommendationFactory(
        commitment=commitment,
        mechanism=MechanismFactory(slug="human-rights-committee", name="Human Rights Committee", instrument=instrument),
    )
    other = CommitmentFactory(
        instrument=instrument,
        jurisdiction=sindh,
        reference="S-1",
        title="Sindh commitment",
        review=review,
        due_on=datetime.date(2029, 6, 30),
    )

    users = {"anonymous": AnonymousUser()}
    for name, role, read, write in [
        ("viewer", access.VIEWER, [punjab], []),
        ("editor", access.EDITOR, [], [punjab]),
        ("reviewer", access.REVIEWER, [punjab], []),
        ("administrator", access.ADMINISTRATOR, [], []),
        ("outsider", access.EDITOR, [], [sindh]),
        ("named", access.EDITOR, [], [punjab]),
    ]:
        user = UserFactory(username=name, role=role)
        ProfileFactory(user=user, read=read, write=write, organisation=dri)
        users[name] = user
    token = calendar_token_create(user=users["viewer"])

    def pdf(text):
        return EvidenceItem(
            title=text,
            file=ContentFile(pdf_bytes(text), name="e.pdf"),
            original_filename=f"{text}.pdf",
            content_type="application/pdf",
        )

    update = status_update_record(
        commitment=commitment,
        status="in_progress",
        effective_on=datetime.date(2024, 1, 10),
        assessor=dri,
        recorded_by=users["editor"],
        note="Draft bill tabled",
        evidence=[pdf("Cabinet minutes")],
        sensitivity=Sensitivity.PUBLIC,
    )
    restricted_update = status_update_record(
        commitment=commitment,
        status="stalled",
        effective_on=datetime.date(2024, 3, 1),
        assessor=dri,
        recorded_by=users["named"],
        note=f"Witness statement {SECRET_MARKERS[0]}",
        sensitivity=Sensitivity.RESTRICTED,
        restricted_to=[users["named"]],
        evidence=[
            dataclasses.replace(
                pdf(SECRET_MARKERS[2]), sensitivity=Sensitivity.RESTRICTED, restricted_to=(users["named"],)
            )
        ],
    )
    with_restricted_link = EvidenceItem(
        title=f"Interview {SECRET_MARKERS[1]}",
        url=f"https://example.org/{SECRET_MARKERS[1]}",
        sensitivity=Sensitivity.RESTRICTED,
        restricted_to=(users["named"],),
    )
    link_update = status_update_record(
        commitment=commitment,
        status="in_progress",
        effective_on=datetime.date(2024, 2, 1),
        assessor=dri,
        recorded_by=users["editor"],
        note="Consultation held",
        evidence=[with_restricted_link],
    )
    status_update_record(
        commitment=other,
        status="not_started",
        effective_on=datetime.date(2024, 1, 10),
        assessor=dri,
        recorded_by=users["outsider"],
        note="Sindh note",
        evidence=[pdf("Sindh minutes")],
    )
    return Scene(
        users=users,
        punjab=punjab,
        sindh=sindh,
        dri=dri,
        instrument=instrument,
        review=review,
        commitment=commitment,
        other_commitment=other,
        update=update,
        evidence=update.evidence.get(),
        restricted_update=restricted_update,
        restricted_evidence=restricted_update.evidence.get(),
        other_evidence=other.evidence.get(),
        restricted_link_evidence=link_update.evidence.get(),
        calendar_token=token,
    )


def client_for(client, scene, role):
    """A Django test client logged in as `role` (or not at all for anonymous)."""
    client.logout()
    if role != "anonymous":
        client.force_login(scene.users[role])
    return client
