import pytest

from tests.factories import CommitmentFactory, StatusUpdateFactory


@pytest.mark.django_db
def test_factories_build_a_commitment_with_history():
    update = StatusUpdateFactory()
    update.commitment.refresh_from_db()
    assert update.commitment.status == update.status
    assert CommitmentFactory().pk


def test_the_manage_wrapper_runs_a_command_with_the_projects_environment(tmp_path):
    """`./manage` works from any folder, with development settings when no SECRET_KEY is set."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DEV", "SECRET_KEY", "DEBUG")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'manage.sqlite3'}"
    result = subprocess.run(
        [str(root / "manage"), "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
