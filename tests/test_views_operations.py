from django.urls import reverse

from tests.factories import UserFactory


def test_whoami_sends_an_anonymous_visitor_to_log_in(client, db):
    response = client.get(reverse("commitments:whoami"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_whoami_answers_the_logged_in_username(client, db, django_assert_num_queries):
    user = UserFactory(username="amina")
    client.force_login(user)

    # session, user
    with django_assert_num_queries(2):
        response = client.get(reverse("commitments:whoami"))

    assert response.status_code == 200
    assert response.content.decode() == "amina"
