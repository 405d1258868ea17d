"""The admin as editors use it: edit forms, reference data lists, choosers, exports."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from casestudies.models import CasePage, Town


@pytest.mark.django_db
def test_case_edit_form_has_the_tabs(admin_client, demo_site):
    case = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    response = admin_client.get(f"/admin/pages/{case.pk}/edit/")
    assert response.status_code == 200
    content = response.content.decode()
    for tab in (
        "Fallgeschichte",
        "Fakten",
        "Übertragbarkeit",
        "Orte und ihre Rolle",
        "Stolpersteine",
    ):
        assert tab in content


@pytest.mark.django_db
def test_reference_data_list_filters_searches_and_exports(admin_client, demo_site):
    response = admin_client.get("/admin/casestudies/town/?state__exact=NW")
    assert response.status_code == 200
    assert "Telgte" in response.content.decode()
    assert "Osterburg" not in response.content.decode()

    response = admin_client.get("/admin/casestudies/town/?q=Osterb")
    assert "Osterburg" in response.content.decode()

    response = admin_client.get("/admin/casestudies/town/?export=csv")
    assert response.status_code == 200
    csv_text = b"".join(response.streaming_content).decode()
    assert "Osterburg (Altmark)" in csv_text
    assert "kleine-kleinstadt" in csv_text or "Kleine Kleinstadt" in csv_text

    for url in (
        "/admin/casestudies/organisation/",
        "/admin/casestudies/fundingprogramme/",
        "/admin/snippets/casestudies/theme/",
        "/admin/snippets/casestudies/contact/",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_town_chooser_searches(admin_client, demo_site):
    response = admin_client.get("/admin/town_chooser/results/?q=Telgte")
    assert response.status_code == 200
    assert "Telgte" in response.content.decode()


@pytest.mark.django_db
def test_editor_creates_and_publishes_a_case(admin_client, demo_site):
    town = Town.objects.get(name="Telgte")
    theme_ids = [
        str(t.pk) for t in demo_site.case("istag-muensterland-wohnungsbaugesellschaft").themes.all()
    ]
    data = nested_form_data(
        {
            "title": "Wohnen über dem Laden",
            "slug": "wohnen-ueber-dem-laden",
            "summary": "Leere Obergeschosse in der Altstadt werden zu Wohnungen.",
            "body": streamfield(
                [
                    (
                        "section",
                        {
                            "kind": "starting_point",
                            "heading": "",
                            "content": streamfield([("paragraph", rich_text("<p>Leer.</p>"))]),
                        },
                    )
                ]
            ),
            "lessons": rich_text("<p>Eigentümer früh ansprechen.</p>"),
            "case_towns": inline_formset([{"town": town.pk, "role": "lead"}]),
            "case_contacts": inline_formset([]),
            "scope": "lokal",
            "status": "laufend",
            "period": "seit 2024",
            "tags": "Obergeschoss, Altstadt",
            "transfer_budget_range": "50k-250k",
            "action-publish": "publish",
        }
    )
    # A list of values; nested_form_data would flatten it into themes-0, themes-1, ...
    data["themes"] = theme_ids
    response = admin_client.post(
        f"/admin/pages/add/casestudies/casepage/{demo_site.library.pk}/", data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = CasePage.objects.get(slug="wohnen-ueber-dem-laden")
    assert page.live
    assert page.towns == [town]
    assert sorted(str(t.pk) for t in page.themes.all()) == sorted(theme_ids)
    assert page.period_start_year == 2024
    assert sorted(t.name for t in page.tags.all()) == ["Altstadt", "Obergeschoss"]
    assert admin_client.get(page.url).status_code == 200


@pytest.mark.django_db
def test_unreadable_period_is_rejected_on_the_field(demo_site):
    page = demo_site.case("koenigslutter-machbar").get_latest_revision_as_object()
    page.period = "demnächst"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "period" in error.value.message_dict
