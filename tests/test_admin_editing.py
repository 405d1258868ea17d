"""What an editor meets in the page forms and choosers: the address derived from the title,
the preview the admin can frame, creating reference data from a chooser, plain German."""

import re

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission, get_page_models

from casestudies.models import CasePage, Contact, FundingProgramme, Organisation, Theme, Town
from core.geo import size_class_for
from core.pages import SitePage
from editorial.setup import EDITORS, ensure_groups
from tests.editorial_helpers import case_form_data, user_in

pytestmark = pytest.mark.django_db


def policy(response):
    (value,) = [v for k, v in response.items() if k.lower() == "content-security-policy"]
    return {
        part.strip().partition(" ")[0]: part.strip().partition(" ")[2].split()
        for part in value.split(";")
    }


def test_every_page_form_derives_a_german_address_below_the_title(admin_client, demo_site):
    models = [model for model in get_page_models() if issubclass(model, SitePage)]
    assert len(models) >= 10
    for model in models:
        form_class = model.get_edit_handler().get_form_class()
        widget = form_class.base_fields["slug"].widget
        attrs = widget.build_attrs(widget.attrs)
        assert attrs["data-controller"] == "w-slug", model
        assert attrs["data-w-slug-allow-unicode-value"] == "false", model
        assert '"ae"' in attrs["data-w-slug-formatters-value"], model
        assert '"ss"' in attrs["data-w-slug-formatters-value"], model

    response = admin_client.get(f"/admin/pages/add/casestudies/casepage/{demo_site.library.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    # The title synchronises into the slug field, which sits on the first tab, labelled.
    assert 'data-w-sync-target-value="#id_slug"' in html
    first_tab = html.split('id="tab-fakten"')[0]
    assert 'id="id_slug"' in first_tab
    assert "Adresse (slug)" in first_tab
    assert "Kurztitel" not in html
    assert "[my-slug]" not in html
    # The case form keeps Wagtail's admin widgets (its own Meta had dropped them).
    assert "image-chooser" in html or "data-chooser-url" in html
    assert 'data-controller="w-tag' in html or "w-tag" in html


def test_an_invalid_address_is_explained_on_the_first_tab(admin_client, demo_site):
    case = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    data = case_form_data(case, slug="Mitfahrbänke Tangerhütte")
    response = admin_client.post(f"/admin/pages/{case.pk}/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    first_tab = html.split('id="tab-fakten"')[0]
    assert "nur Kleinbuchstaben ohne Umlaute, Ziffern und Bindestriche" in first_tab


def test_preview_panel_may_be_framed_by_the_admin_only(admin_client, client, demo_site):
    case = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    data = case_form_data(case, title="Vorschau-Titel für den Rahmen")
    response = admin_client.post(f"/admin/pages/{case.pk}/edit/preview/", data)
    assert response.json() == {"is_valid": True, "is_available": True}

    response = admin_client.get(f"/admin/pages/{case.pk}/edit/preview/?in_preview_panel=true")
    assert response.status_code == 200
    assert "Vorschau-Titel für den Rahmen" in response.content.decode()
    directives = policy(response)
    assert directives["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # The previewed page keeps the public site's strict policy otherwise.
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]

    # "Vorschau in neuem Tab" is the same address without the panel parameter.
    response = admin_client.get(f"/admin/pages/{case.pk}/edit/preview/")
    assert response.status_code == 200
    assert "Vorschau-Titel für den Rahmen" in response.content.decode()

    # The published page, and the admin's own pages, still refuse every frame.
    for response in (client.get(case.url), admin_client.get(f"/admin/pages/{case.pk}/edit/")):
        assert response.status_code == 200
        assert policy(response)["frame-ancestors"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def editor_client(client, demo_site):
    ensure_groups()
    client.force_login(user_in(EDITORS))
    return client


def test_editor_creates_a_town_in_the_chooser(editor_client):
    response = editor_client.get("/admin/town_chooser/")
    assert response.status_code == 200
    assert "Neuen Ort anlegen" in response.json()["html"]
    # Its name field suggests entries of the municipality directory (places/town-form.js).
    assert "data-town-directory" in response.json()["html"]

    response = editor_client.post(
        "/admin/town_chooser/create/",
        {"name": "Tangerhütte", "state": "ST", "population": "10480", "ags": "15090535"},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["step"] == "chosen"
    town = Town.objects.get(name="Tangerhütte")
    assert result["result"]["id"] == str(town.pk)
    assert town.size_class == size_class_for(10480)

    # A duplicate is refused with a message in the form, nothing created.
    response = editor_client.post(
        "/admin/town_chooser/create/", {"name": "Tangerhütte", "state": "ST", "ags": "1509"}
    )
    assert response.json()["step"] == "reshow_creation_form"
    html = response.json()["htmlFragment"]
    assert "acht Ziffern" in html
    assert Town.objects.filter(name="Tangerhütte").count() == 1


def test_editor_creates_an_organisation_and_a_theme_in_the_choosers(editor_client):
    response = editor_client.post(
        "/admin/organisation_chooser/create/",
        {"name": "Mitfahrbank-Initiative Altmark", "kind": "zivilgesellschaft"},
    )
    assert response.json()["step"] == "chosen"
    assert Organisation.objects.filter(name="Mitfahrbank-Initiative Altmark").exists()

    response = editor_client.post(
        "/admin/snippets/choose/casestudies/theme/create/", {"name": "Ländliche Mobilität"}
    )
    assert response.json()["step"] == "chosen"
    assert Theme.objects.get(name="Ländliche Mobilität").slug == "laendliche-mobilitaet"


def test_partners_choose_but_do_not_create_reference_data(client, demo_site):
    ensure_groups()
    group = Group.objects.filter(name__startswith="Partner: ").first()
    assert group is not None
    client.force_login(user_in(group.name, "partner-x"))
    response = client.get("/admin/town_chooser/")
    assert response.status_code == 200
    assert "Neuen Ort anlegen" not in response.json()["html"]
    response = client.post("/admin/town_chooser/create/", {"name": "Irgendwo", "state": "ST"})
    assert response.status_code == 302  # Wagtail's "no permission" redirect
    assert not Town.objects.filter(name="Irgendwo").exists()


def test_admin_speaks_plain_german(admin_client, demo_site):
    Contact.objects.create(function="Ortsbürgermeister", name="Erika Muster", is_public=False)
    html = admin_client.get("/admin/snippets/casestudies/contact/").content.decode()
    assert "nur für die Redaktion" in html
    assert not re.search(r">\s*(True|False)\s*<", html)

    html = admin_client.get("/admin/import-export/").content.decode()
    for term in ("README", "manage.py", "Revision", "über den slug"):
        assert term not in html, term


def test_funding_programmes_are_a_searchable_list_with_the_chosen_first(admin_client, demo_site):
    case = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    last = FundingProgramme.objects.order_by("name").last()
    case.funding_programmes.set([last])
    case.save_revision()
    html = admin_client.get(f"/admin/pages/{case.pk}/edit/").content.decode()
    assert 'data-controller="searchable-choices"' in html
    assert 'placeholder="Förderprogramm suchen"' in html
    assert "core/js/searchable-choices.js" in html
    listing = html.split('id="id_funding_programmes"')[1]
    first_label = re.search(r"<label[^>]*>\s*<input[^>]*>\s*([^<]+?)\s*</label>", listing)
    assert first_label.group(1) == last.name
    assert re.search(rf'value="{last.pk}"[^>]*checked', listing)


def test_case_form_offers_to_create_themes_and_partners_to_those_who_may(editor_client, client):
    case = CasePage.objects.live().first()
    html = editor_client.get(f"/admin/pages/{case.pk}/edit/").content.decode()
    themes = html.split('id="id_themes"')[0].rsplit('data-controller="searchable-choices"', 1)[1]
    assert 'placeholder="Thema suchen"' in themes
    assert 'data-chooser-url="/admin/snippets/choose/casestudies/theme/"' in html
    assert 'data-chooser-url="/admin/organisation_chooser/"' in html
    assert "Thema suchen oder neu anlegen" in html
    assert "Organisation suchen oder neu anlegen" in html
    assert "wagtailadmin/js/chooser-modal.js" in html

    # A partner edits its own case: it chooses themes and partners, it creates none.
    group = Group.objects.filter(name__startswith="Partner: ").first()
    section = GroupPagePermission.objects.filter(group=group).first().page
    own_case = CasePage.objects.child_of(section).first()
    client.force_login(user_in(group.name, "partner-y"))
    html = client.get(f"/admin/pages/{own_case.pk}/edit/").content.decode()
    assert 'id="id_themes"' in html
    assert 'data-chooser-url="/admin/snippets/choose/casestudies/theme/"' not in html
    assert 'data-chooser-url="/admin/organisation_chooser/"' not in html
    assert "Thema suchen oder neu anlegen" not in html


@pytest.mark.parametrize("spelling", ["Klima-Schutz", "klimaschutz", "Klimaschutz & Energie"])
def test_a_near_duplicate_theme_offers_the_existing_one(editor_client, spelling):
    existing = Theme.objects.get(name="Klimaschutz & Energie")
    themes = Theme.objects.count()
    response = editor_client.post(
        "/admin/snippets/choose/casestudies/theme/create/", {"name": spelling}
    )
    answer = response.json()
    assert answer["step"] == "reshow_creation_form"
    html = answer["htmlFragment"]
    assert "Dieses Thema gibt es schon: „Klimaschutz &amp; Energie“" in html
    assert "Vorhandenes Thema übernehmen" in html
    assert "nichts wird neu angelegt" in html
    assert "---------" not in html  # no empty choice among the offered themes
    assert re.search(rf'type="radio" name="existing" value="{existing.pk}"', html)
    assert Theme.objects.count() == themes

    # Taking the existing theme over returns it to the case form; nothing is created.
    response = editor_client.post(
        "/admin/snippets/choose/casestudies/theme/create/",
        {"name": spelling, "existing": existing.pk},
    )
    answer = response.json()
    assert answer["step"] == "chosen"
    assert answer["result"]["id"] == str(existing.pk)
    assert answer["result"]["string"] == "Klimaschutz & Energie"
    assert Theme.objects.count() == themes


def test_the_theme_snippet_form_refuses_near_duplicates_too(editor_client):
    response = editor_client.post(
        "/admin/snippets/casestudies/theme/add/", {"name": "Mobilitaet", "sort_order": "100"}
    )
    assert response.status_code == 200
    assert "Dieses Thema gibt es schon: „Mobilität“" in response.content.decode()
    assert not Theme.objects.filter(name="Mobilitaet").exists()
    # Changing a theme is not a duplicate of itself.
    theme = Theme.objects.get(name="Mobilität")
    response = editor_client.post(
        f"/admin/snippets/casestudies/theme/edit/{theme.pk}/",
        {"name": "Mobilität", "slug": theme.slug, "sort_order": "7", "synonyms": theme.synonyms},
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.sort_order == 7


def test_a_near_duplicate_organisation_offers_the_existing_one(editor_client):
    existing = Organisation.objects.create(name="Bürgerstiftung Tangerhütte e. V.")
    count = Organisation.objects.count()
    for spelling in ("Buergerstiftung Tangerhütte", "Bürger-Stiftung Tangerhütte e.V."):
        response = editor_client.post(
            "/admin/organisation_chooser/create/", {"name": spelling, "kind": "sonstige"}
        )
        answer = response.json()
        assert answer["step"] == "reshow_creation_form", spelling
        assert (
            "Diese Organisation gibt es schon: „Bürgerstiftung Tangerhütte e. V.“"
            in (answer["htmlFragment"])
        )
    response = editor_client.post(
        "/admin/organisation_chooser/create/",
        {"name": spelling, "kind": "sonstige", "existing": existing.pk},
    )
    assert response.json()["result"]["id"] == str(existing.pk)
    # A different name is a different organisation.
    response = editor_client.post(
        "/admin/organisation_chooser/create/",
        {"name": "Bürgerstiftung Tangermünde", "kind": "sonstige"},
    )
    assert response.json()["step"] == "chosen"
    assert Organisation.objects.count() == count + 1
