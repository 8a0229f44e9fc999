"""factory-boy factories for every model. Status updates go through the service, as in the app."""

import datetime
import hashlib

import factory
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from commitments import access, derived, models
from commitments.choices import Precision
from commitments.services.commitments import commitment_link_add, commitment_themes_set
from commitments.services.history import status_update_record
from commitments.services.people import api_token_create


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get_or_create(name=extracted)[0])
            if extracted == access.ADMINISTRATOR:
                user.is_staff = True
        if create:
            user.save()


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = models.Source
        django_get_or_create = ("url",)

    url = factory.Sequence(lambda n: f"https://example.org/source/{n}")
    title = factory.Sequence(lambda n: f"Source {n}")


class JurisdictionFactory(DjangoModelFactory):
    class Meta:
        model = models.Jurisdiction
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"j{n}")
    name = factory.Sequence(lambda n: f"Jurisdiction {n}")
    kind = models.Jurisdiction.Kind.PROVINCE


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = models.Organisation
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = models.Organisation.Kind.GOVERNMENT


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = models.Profile
        django_get_or_create = ("user",)
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def read(profile, create, extracted, **kwargs):
        if create and extracted:
            profile.read_jurisdictions.set(extracted)

    @factory.post_generation
    def write(profile, create, extracted, **kwargs):
        if create and extracted:
            profile.write_jurisdictions.set(extracted)

    @factory.post_generation
    def record_for(profile, create, extracted, **kwargs):
        if create and extracted:
            profile.record_for.set(extracted)


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = models.Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Theme {n}")


class InstrumentFactory(DjangoModelFactory):
    class Meta:
        model = models.Instrument
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"INS-{n}")
    title = factory.Sequence(lambda n: f"Instrument {n}")
    kind = models.Instrument.Kind.UN_CORE
    jurisdiction = factory.SubFactory(JurisdictionFactory, code="federal", name="Federal", kind="federal")
    pakistan_status = models.Instrument.PakistanStatus.RATIFIED
    bound_on = datetime.date(2000, 1, 1)
    bound_precision = Precision.DAY


class GSPRequirementFactory(DjangoModelFactory):
    class Meta:
        model = models.GSPRequirement
        django_get_or_create = ("scheme", "instrument")

    scheme = factory.SubFactory(InstrumentFactory, code="GSP", kind=models.Instrument.Kind.TRADE_SCHEME)
    instrument = factory.SubFactory(InstrumentFactory)
    annex_part = "Part A"
    group = models.GSPRequirement.Group.HUMAN_RIGHTS


class GSPCycleFactory(DjangoModelFactory):
    class Meta:
        model = models.GSPCycle
        django_get_or_create = ("scheme", "starts_on")

    scheme = factory.SubFactory(InstrumentFactory, code="GSP", kind=models.Instrument.Kind.TRADE_SCHEME)
    title = factory.LazyAttribute(lambda c: f"{c.starts_on.year}-{c.ends_on.year}")
    starts_on = datetime.date(2022, 1, 1)
    ends_on = datetime.date(2023, 12, 31)


class ScorecardIssueFactory(DjangoModelFactory):
    class Meta:
        model = models.ScorecardIssue

    convention = factory.SubFactory(InstrumentFactory)
    reference = factory.Sequence(lambda n: f"issue-{n}")
    title = factory.Sequence(lambda n: f"Synthetic issue {n}")
    raised_on = datetime.date(2022, 3, 1)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = models.Review

    instrument = factory.SubFactory(InstrumentFactory)
    kind = models.Review.Kind.TREATY_BODY
    title = factory.Sequence(lambda n: f"Periodic report {n}")
    reviewed_on = datetime.date(2024, 10, 18)


class CommitmentFactory(DjangoModelFactory):
    class Meta:
        model = models.Commitment
        skip_postgeneration_save = True

    instrument = factory.SubFactory(InstrumentFactory)
    reference = factory.Sequence(lambda n: f"C-{n}")
    title = factory.Sequence(lambda n: f"Commitment {n}")
    jurisdiction = factory.SubFactory(JurisdictionFactory)
    responsible_body = factory.SubFactory(OrganisationFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Saved without validation (tests check the database's own constraints), but with the
        # dashboard's counts kept right, as every path that creates a commitment does.
        commitment = model_class(*args, **kwargs)
        with transaction.atomic(), derived.counts_follow([commitment]):
            commitment.save()
        return commitment

    @factory.post_generation
    def themes(commitment, create, extracted, **kwargs):
        if create and extracted:
            commitment_themes_set(commitment=commitment, themes=extracted)


class CommitmentLinkFactory(DjangoModelFactory):
    """Links go through their service, which keeps the roll-up (links at any depth) right."""

    class Meta:
        model = models.CommitmentLink

    source = factory.SubFactory(CommitmentFactory)
    target = factory.SubFactory(CommitmentFactory)

    @classmethod
    def _create(cls, model_class, source, target, note=""):
        return commitment_link_add(source=source, target=target, note=note)


class StatusUpdateFactory(factory.Factory):
    """Builds through status_update_record, so derived data stays right."""

    class Meta:
        model = models.StatusUpdate

    commitment = factory.SubFactory(CommitmentFactory)
    status = models.Status.IN_PROGRESS
    effective_on = datetime.date(2024, 1, 15)
    effective_precision = Precision.DAY
    assessor = factory.SubFactory(OrganisationFactory)
    recorded_by = factory.SubFactory(UserFactory)
    note = ""
    sensitivity = models.Sensitivity.INTERNAL

    @classmethod
    def _create(cls, model_class, **kwargs):
        return status_update_record(**kwargs)


def pdf_bytes(text="evidence"):
    """A small, real PDF."""
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        b"4 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


class EvidenceFactory(DjangoModelFactory):
    class Meta:
        model = models.Evidence

    commitment = factory.SubFactory(CommitmentFactory)
    title = factory.Sequence(lambda n: f"Evidence {n}")
    file = factory.LazyFunction(lambda: ContentFile(pdf_bytes(), name="evidence.pdf"))
    original_filename = "evidence.pdf"
    content_type = "application/pdf"
    sha256 = factory.LazyFunction(lambda: hashlib.sha256(pdf_bytes()).hexdigest())
    size = factory.LazyFunction(lambda: len(pdf_bytes()))
    added_by = factory.SubFactory(UserFactory)


class DownloadLogFactory(DjangoModelFactory):
    class Meta:
        model = models.DownloadLog

    evidence = factory.SubFactory(EvidenceFactory)
    user = factory.SubFactory(UserFactory)


class ExportLogFactory(DjangoModelFactory):
    class Meta:
        model = models.ExportLog

    user = factory.SubFactory(UserFactory)
    kind = "commitment_list"
    format = "csv"


class ReportRunFactory(DjangoModelFactory):
    class Meta:
        model = models.ReportRun

    created_by = factory.SubFactory(UserFactory)
    period_from = datetime.date(2024, 1, 1)
    period_to = datetime.date(2024, 12, 31)
    format = "pdf"
    sha256 = "0" * 64


class ReminderSentFactory(DjangoModelFactory):
    class Meta:
        model = models.ReminderSent

    user = factory.SubFactory(UserFactory)
    commitment = factory.SubFactory(CommitmentFactory)
    due_on = datetime.date(2025, 1, 1)
    threshold = 30


class StagedUploadFactory(DjangoModelFactory):
    class Meta:
        model = models.StagedUpload

    user = factory.SubFactory(UserFactory)
    file = factory.LazyFunction(lambda: ContentFile(pdf_bytes(), name="staged.pdf"))
    original_filename = "staged.pdf"
    content_type = "application/pdf"
    size = factory.LazyFunction(lambda: len(pdf_bytes()))
    sha256 = factory.LazyFunction(lambda: hashlib.sha256(pdf_bytes()).hexdigest())


class RedactionFactory(DjangoModelFactory):
    class Meta:
        model = models.Redaction

    target = models.Redaction.Target.NOTE
    status_update = factory.SubFactory(StatusUpdateFactory)
    reason = "Names a witness"
    redacted_by = factory.SubFactory(UserFactory)


class JobFactory(DjangoModelFactory):
    """A finished list export with its file (synthetic content), unless told otherwise."""

    class Meta:
        model = models.Job
        skip_postgeneration_save = True

    kind = models.Job.Kind.LIST_EXPORT
    parameters = factory.LazyFunction(lambda: {"query": {}, "format": "csv", "audience": "internal"})
    requested_by = factory.SubFactory(UserFactory)
    state = models.Job.State.DONE
    attempts = 1
    progress_done = 2
    progress_total = 2
    started_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))
    finished_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))
    result_name = "commitments.csv"
    result_content_type = "text/csv; charset=utf-8"
    result_data = factory.LazyFunction(lambda: {"rows": 2})

    @factory.post_generation
    def with_file(job, create, extracted, **kwargs):
        if create and extracted is not False and job.state == models.Job.State.DONE and not job.result:
            body = b"Reference,Instrument\r\nSYN-1,SYN\r\n"
            job.result.save(job.result_name, ContentFile(body), save=False)
            job.result_size = len(body)
            job.save()


def api_token(user, *, access_level="write", days=30, name="Synthetic reporting script"):
    """A personal access token made through the service, as on the settings page: (token, secret)."""
    return api_token_create(
        user=user,
        name=name,
        access_level=access_level,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
    )


class MechanismFactory(DjangoModelFactory):
    class Meta:
        model = models.Mechanism
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"mechanism-{n}")
    name = factory.Sequence(lambda n: f"Committee {n}")
    kind = models.Mechanism.Kind.TREATY_BODY
    organisation = factory.SubFactory(
        OrganisationFactory,
        slug=factory.LazyAttribute(lambda o: f"{o.factory_parent.slug}-org"),
        name=factory.LazyAttribute(lambda o: f"{o.factory_parent.name} (body)"),
        kind=models.Organisation.Kind.TREATY_BODY,
    )
    instrument = factory.SubFactory(InstrumentFactory)


class RecommendationFactory(DjangoModelFactory):
    """A recommendation: a commitment under the mechanism's instrument, with its recommendation data."""

    class Meta:
        model = models.Recommendation

    mechanism = factory.SubFactory(MechanismFactory)
    commitment = factory.SubFactory(
        CommitmentFactory, instrument=factory.LazyAttribute(lambda o: o.factory_parent.mechanism.instrument)
    )
    kind = models.Recommendation.Kind.RECOMMENDATION
    document_symbol = "SYN/C/PAK/CO/1"
    paragraph = factory.Sequence(lambda n: str(n + 1))
