"""Library, theme and search pages offer an alert for exactly the filters in view."""

import pytest


@pytest.mark.django_db
def test_alert_link_carries_the_current_filters(client, demo_site):
    # On the library's pages the alert is for that library's cases (bibliothek).
    scoped = f"/benachrichtigungen/?art=faelle&amp;bibliothek={demo_site.library.pk}&amp;"
    content = client.get(demo_site.library.url + "?land=NI&thema=wohnen&seite=1").content.decode()
    assert scoped + "land=NI&amp;thema=wohnen" in content
    content = client.get(demo_site.library.url + "thema/wohnen/?land=NI").content.decode()
    assert scoped + "land=NI&amp;thema=wohnen" in content
    content = client.get("/suche/?q=Bürgerrat&land=ST").content.decode()
    assert "/benachrichtigungen/?art=faelle&amp;land=ST&amp;q=B%C3%BCrgerrat" in content
    form = client.get("/benachrichtigungen/?art=faelle&land=NI&thema=wohnen")
    assert form.status_code == 200
    assert form.context["form"].initial == {"art": "faelle", "land": ["NI"], "thema": ["wohnen"]}
