"""Every URL × every role → the expected answer, from one table.

302 for anonymous visitors is the redirect to the login page; 404 means the user may not
read the record (its existence is not revealed); 403 means they may read it but not do this.
Add a row for each new URL.
"""

import pytest
from django.urls import reverse

from tests.entry_world import ROLES, client_for, make_world

pytestmark = pytest.mark.django_db

A, V, EK, EP, R, AD = ROLES  # anonymous, viewer, editor of KP, editor of Punjab, reviewer, administrator


def row(*codes):
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes))


# (name, method, how to build the URL from the world) -> expected status per role
MATRIX = [
    ("login page", "get", lambda w: reverse("login"), row(200, 302, 302, 302, 302, 302)),
    ("dashboard", "get", lambda w: reverse("commitments:dashboard"), row(302, 200, 200, 200, 200, 200)),
    ("commitment list", "get", lambda w: reverse("commitments:list"), row(302, 200, 200, 200, 200, 200)),
    ("KP commitment detail", "get", lambda w: w.kp_commitment.get_absolute_url(), row(302, 200, 200, 404, 200, 200)),
    ("Punjab commitment detail", "get", lambda w: w.punjab_commitment.get_absolute_url(), row(302, 200, 404, 200, 200, 200)),
    ("instrument page", "get", lambda w: w.instrument.get_absolute_url(), row(302, 200, 200, 200, 200, 200)),
    ("record update form, KP", "get", lambda w: reverse("commitments:record_update", args=[w.kp_commitment.pk]),
     row(302, 403, 200, 404, 403, 200)),
    ("record update form, Punjab", "get", lambda w: reverse("commitments:record_update", args=[w.punjab_commitment.pk]),
     row(302, 403, 404, 200, 403, 200)),
    # An empty submission: 400 (the form says what is missing) for those who may write.
    ("record update submit, KP", "post", lambda w: reverse("commitments:record_update", args=[w.kp_commitment.pk]),
     row(302, 403, 400, 404, 403, 400)),
    ("record update submit, Punjab", "post", lambda w: reverse("commitments:record_update", args=[w.punjab_commitment.pk]),
     row(302, 403, 404, 400, 403, 400)),
    ("evidence download, KP", "get", lambda w: w.kp_evidence.get_download_url(), row(302, 200, 200, 404, 200, 200)),
    # The KP update was recorded by the KP editor: a reviewer or administrator verifies it (302 back to the page).
    ("verify update, KP", "post", lambda w: reverse("commitments:update_verify", args=[w.kp_update.pk]),
     row(302, 403, 403, 404, 302, 302)),
    ("verify evidence, KP", "post", lambda w: reverse("commitments:evidence_verify", args=[w.kp_evidence.pk]),
     row(302, 403, 403, 404, 302, 302)),
    ("verify update, GET not allowed", "get", lambda w: reverse("commitments:update_verify", args=[w.kp_update.pk]),
     row(302, 405, 405, 405, 405, 405)),
    ("redact note form, KP", "get", lambda w: reverse("commitments:update_redact", args=[w.kp_update.pk]),
     row(302, 403, 403, 404, 403, 200)),
    ("redact evidence form, KP", "get", lambda w: reverse("commitments:evidence_redact", args=[w.kp_evidence.pk]),
     row(302, 403, 403, 404, 403, 200)),
    ("import page", "get", lambda w: reverse("commitments:import"), row(302, 403, 403, 403, 403, 200)),
    ("import template (xlsx)", "get", lambda w: reverse("commitments:import_template", args=["xlsx"]),
     row(302, 403, 403, 403, 403, 200)),
    ("import confirm", "post", lambda w: reverse("commitments:import_confirm"), row(302, 403, 403, 403, 403, 404)),
    # Non-administrators are sent to the admin's own login page.
    ("admin index", "get", lambda w: reverse("admin:index"), row(302, 302, 302, 302, 302, 200)),
    ("admin commitment list", "get", lambda w: reverse("admin:commitments_commitment_changelist"),
     row(302, 302, 302, 302, 302, 200)),
    ("admin commitment change", "get", lambda w: reverse("admin:commitments_commitment_change", args=[w.kp_commitment.pk]),
     row(302, 302, 302, 302, 302, 200)),
    ("admin status update list", "get", lambda w: reverse("admin:commitments_statusupdate_changelist"),
     row(302, 302, 302, 302, 302, 200)),
    ("admin evidence list", "get", lambda w: reverse("admin:commitments_evidence_changelist"),
     row(302, 302, 302, 302, 302, 200)),
]

CASES = [(name, method, url, role, expected[role]) for name, method, url, expected in MATRIX for role in ROLES]


@pytest.mark.parametrize(("name", "method", "url", "role", "expected"), CASES, ids=[f"{c[0]} as {c[3]}" for c in CASES])
def test_each_url_answers_each_role_as_the_matrix_says(client, name, method, url, role, expected):
    world = make_world()
    client = client_for(client, world, role)
    response = getattr(client, method)(url(world))
    assert response.status_code == expected, f"{name} as {role}: {response.status_code}, expected {expected}"


def test_the_matrix_covers_every_role_for_every_url(capsys):
    assert len(CASES) == len(MATRIX) * len(ROLES)
    with capsys.disabled():
        print(f"\npermission matrix: {len(MATRIX)} URLs × {len(ROLES)} roles = {len(CASES)} pairs")


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    world = make_world()
    response = client.get(world.kp_commitment.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
