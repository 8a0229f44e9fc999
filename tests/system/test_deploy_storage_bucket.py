"""Evidence in a private S3-compatible bucket (an in-process S3 stand-in takes the bucket's place)."""

import hashlib
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from moto import mock_aws

from commitments import backup, models
from commitments.storage import storage_is_reachable
from tests.factories import EvidenceFactory, JurisdictionFactory, ProfileFactory, UserFactory, pdf_bytes

BUCKET = "tracker-evidence"


@pytest.fixture
def bucket(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        client.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "eu-central-1",
                    "default_acl": None,
                    "querystring_auth": True,
                    "querystring_expire": 60,
                    "file_overwrite": False,
                },
            },
        }
        yield client


@pytest.fixture
def reader_and_evidence():
    jurisdiction = JurisdictionFactory()
    reader = UserFactory(role="Viewer")
    ProfileFactory(user=reader, read=[jurisdiction])
    evidence = EvidenceFactory(commitment__jurisdiction=jurisdiction)
    return reader, evidence


@pytest.mark.django_db
def test_evidence_files_are_stored_in_the_bucket_without_public_access(bucket, reader_and_evidence, settings):
    _reader, evidence = reader_and_evidence
    stored = bucket.get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read()
    assert stored == pdf_bytes()
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=evidence.file.name)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]
    assert not (settings.MEDIA_ROOT / evidence.file.name).exists()


@pytest.mark.django_db
def test_by_default_the_app_streams_bucket_files_after_its_permission_check(
    bucket, reader_and_evidence, client, settings
):
    settings.TRACKER_EVIDENCE_DELIVERY = "app"
    reader, evidence = reader_and_evidence
    client.force_login(reader)
    response = client.get(reverse("commitments:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()

    client.force_login(UserFactory(role="Viewer"))  # reads no jurisdiction
    assert client.get(reverse("commitments:evidence_download", args=[evidence.pk])).status_code == 404


@pytest.mark.django_db
def test_signed_url_delivery_redirects_readers_to_a_link_that_expires_within_a_minute(
    bucket, reader_and_evidence, client, settings
):
    settings.TRACKER_EVIDENCE_DELIVERY = "signed-url"
    reader, evidence = reader_and_evidence
    evidence.content_type = "text/html"  # never rendered by the browser from the bucket either
    evidence.original_filename = "minutes.html"
    evidence.save()
    client.force_login(reader)
    response = client.get(reverse("commitments:evidence_download", args=[evidence.pk]))
    assert response.status_code == 302
    url = urlparse(response["Location"])
    query = parse_qs(url.query)
    assert BUCKET in url.netloc + url.path and evidence.file.name in url.path
    assert query["X-Amz-Expires"] == ["60"] and query["X-Amz-Signature"]
    assert query["response-content-disposition"] == ['attachment; filename="minutes.html"']
    assert query["response-content-type"] == ["application/octet-stream"]
    assert models.DownloadLog.objects.filter(evidence=evidence, user=reader).count() == 1

    client.force_login(UserFactory(role="Viewer"))
    assert client.get(reverse("commitments:evidence_download", args=[evidence.pk])).status_code == 404


@pytest.mark.django_db
def test_healthz_checks_that_the_bucket_answers(bucket, client):
    assert storage_is_reachable()
    assert client.get("/healthz").status_code == 200
    for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        bucket.delete_object(Bucket=BUCKET, Key=item["Key"])
    bucket.delete_bucket(Bucket=BUCKET)
    response = client.get("/healthz")
    assert response.status_code == 503 and BUCKET.encode() not in response.content


@pytest.mark.django_db
def test_a_backup_round_trips_evidence_kept_in_the_bucket(bucket, reader_and_evidence, tmp_path):
    _reader, evidence = reader_and_evidence
    archive = tmp_path / "backup.enc"
    key = backup.new_key()
    with open(archive, "wb") as out:
        backup.backup_write(out=out, key=key)
    default_storage.delete(evidence.file.name)
    backup._flush()

    backup.backup_restore(str(archive), key=key)

    restored = models.Evidence.objects.get(pk=evidence.pk)
    body = bucket.get_object(Bucket=BUCKET, Key=restored.file.name)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == restored.sha256
