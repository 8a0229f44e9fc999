"""docs/api.md's examples, run as written against a live server: a script with a read-and-write
token lists KP commitments, records an update with a PDF, reads it back, and sees nothing of Punjab."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from commitments.models import Evidence, StatusUpdate
from tests import sample_files
from tests.conftest import require_binary
from tests.entry_world import make_world
from tests.factories import api_token

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def code_blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), flags=re.MULTILINE | re.DOTALL)


@pytest.fixture
def server(monkeypatch):
    """A live server (its media handler pointed at a path nothing uses: evidence has no public URL)."""
    from django.test import testcases
    from pytest_django.live_server_helper import LiveServer

    monkeypatch.setattr(testcases._MediaFilesHandler, "get_base_url", lambda self: "/media-is-never-served/")
    live = LiveServer("localhost:0")
    yield live
    live.stop()


@pytest.fixture
def script_environment(server, tmp_path):
    world = make_world()
    _token, secret = api_token(world.users["editor_kp"], access_level="write")
    (tmp_path / "minutes.pdf").write_bytes(sample_files.pdf_bytes("cabinet minutes"))
    env = {
        **os.environ,
        "TRACKER_URL": server.url,
        "TRACKER_TOKEN": secret,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    }
    return world, env, tmp_path


def run(command, source, env, cwd):
    result = subprocess.run(command, input=source, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_docs_have_curl_and_python_examples():
    assert len(code_blocks("bash")) >= 2 and "curl" in code_blocks("bash")[0]
    assert len(code_blocks("python")) == 1


@pytest.mark.django_db(transaction=True)
def test_the_curl_examples_run_as_written(script_environment):
    require_binary("curl", "curl")
    require_binary("jq", "jq")
    world, env, folder = script_environment
    before = StatusUpdate.objects.count()
    output = "".join(run(["bash", "-euo", "pipefail"], block, env, folder) for block in code_blocks("bash"))
    assert '"reference": "KP-1"' in output  # the first block lists the KP commitment in progress
    assert '"Cabinet minutes"' in output and '"recorded_by": "editor_kp"' in output
    assert StatusUpdate.objects.count() == before + 1
    evidence = Evidence.objects.order_by("-pk").first()
    assert evidence.commitment == world.kp_commitment and evidence.content_type == "application/pdf"


@pytest.mark.django_db(transaction=True)
def test_the_python_example_lists_records_reads_back_and_sees_nothing_it_may_not(script_environment):
    world, env, folder = script_environment
    before = StatusUpdate.objects.count()
    output = run([sys.executable, "-"], code_blocks("python")[0], env, folder)
    lines = output.splitlines()
    assert lines[0] == "KP commitments: 1"
    update = StatusUpdate.objects.order_by("-pk").first()
    # Sent twice with one Idempotency-Key: recorded once.
    assert StatusUpdate.objects.count() == before + 1
    assert update.commitment == world.kp_commitment and update.recorded_by == world.users["editor_kp"]
    assert lines[1] == f"recorded update {update.pk}: in_progress, says dri"
    size = len(sample_files.pdf_bytes("cabinet minutes"))
    assert lines[2] == (
        f"read back: 'Cabinet approved the draft; minutes attached.' with minutes.pdf ({size} bytes, application/pdf)"
    )
    assert lines[3] == "Punjab commitments visible: 0"
    assert world.punjab_commitment.pk  # it exists; the editor of KP may not read it
