"""A small tracker with two provinces and one user of each role, for the data-entry tests."""

import dataclasses

from django.core.files.base import ContentFile

from commitments import access
from commitments.services.history import EvidenceItem, status_update_record
from tests import sample_files
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    UserFactory,
)

ROLES = ("anonymous", "viewer", "editor_kp", "editor_punjab", "reviewer", "administrator")
PASSWORD = "correct horse battery staple"


@dataclasses.dataclass
class World:
    kp: object
    punjab: object
    dri: object
    instrument: object
    kp_commitment: object
    punjab_commitment: object
    users: dict
    kp_update: object
    kp_evidence: object


def make_world():
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    dri = OrganisationFactory(slug="dri", name="Democracy Reporting International")
    instrument = InstrumentFactory(code="ICCPR")
    kp_commitment = CommitmentFactory(
        instrument=instrument, reference="KP-1", title="Child labour survey", jurisdiction=kp
    )
    punjab_commitment = CommitmentFactory(
        instrument=instrument, reference="PB-1", title="Domestic workers act", jurisdiction=punjab
    )
    users = {"anonymous": None}
    specs = {
        "viewer": (access.VIEWER, [kp, punjab], []),
        "editor_kp": (access.EDITOR, [kp], [kp]),
        "editor_punjab": (access.EDITOR, [punjab], [punjab]),
        "reviewer": (access.REVIEWER, [kp, punjab], []),
        "administrator": (access.ADMINISTRATOR, [], []),
    }
    for name, (role, read, write) in specs.items():
        user = UserFactory(username=name, role=role)
        ProfileFactory(user=user, read=read, write=write, organisation=dri)
        users[name] = user
    update = status_update_record(
        commitment=kp_commitment,
        status="in_progress",
        effective_on=__import__("datetime").date(2024, 3, 1),
        assessor=dri,
        recorded_by=users["editor_kp"],
        note="Survey started",
        evidence=[
            EvidenceItem(
                title="Survey notice",
                file=ContentFile(sample_files.pdf_bytes("notice"), name="notice.pdf"),
                original_filename="notice.pdf",
                content_type="application/pdf",
            )
        ],
    )
    return World(
        kp=kp,
        punjab=punjab,
        dri=dri,
        instrument=instrument,
        kp_commitment=kp_commitment,
        punjab_commitment=punjab_commitment,
        users=users,
        kp_update=update,
        kp_evidence=update.evidence.get(),
    )


def client_for(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])
    return client
