"""Finding 9: page passwords could be guessed without limit. Wrong passwords count like
failed admin logins (django-axes): after AXES_FAILURE_LIMIT of them even the right one is
refused (429) for that restriction from that address; other pages stay open."""

import pytest
from django.conf import settings
from wagtail.models import PageViewRestriction

from casestudies.models import CasePage


def _try(client, restriction, page, password):
    return client.post(
        f"/_util/authenticate_with_password/{restriction.pk}/{page.pk}/",
        {"password": password, "return_url": page.url},
    )


@pytest.mark.django_db
def test_page_password_attempts_are_throttled(client, demo_site):
    case, other = CasePage.objects.live()[:2]
    restriction = PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.PASSWORD, password="richtig"
    )
    other_restriction = PageViewRestriction.objects.create(
        page=other, restriction_type=PageViewRestriction.PASSWORD, password="anders"
    )
    statuses = [_try(client, restriction, case, "falsch").status_code for _ in range(20)]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    locked = _try(client, restriction, case, "richtig")
    assert locked.status_code == 429
    assert "gesperrt" in locked.content.decode()
    # Another restriction is a different lock.
    assert _try(client, other_restriction, other, "anders").status_code == 302


@pytest.mark.django_db
def test_right_password_resets_the_count(client, demo_site):
    case = CasePage.objects.live().first()
    restriction = PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.PASSWORD, password="richtig"
    )
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, restriction, case, "falsch").status_code == 200
    assert _try(client, restriction, case, "richtig").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, restriction, case, "falsch").status_code == 200
