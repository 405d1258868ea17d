"""Finding 6: a title with a control character (a pasted vertical tab) broke the RSS and Atom
feeds (500) and the oEmbed XML. Control characters are stripped when text is saved and when
XML is written."""

from xml.etree import ElementTree

import pytest
from django.utils import timezone

from casestudies.models import CasePage, Contact, Organisation

TITLE = "Kontroll\x0bzeichen\x0c im Titel"


def _feeds_and_oembed(client, case):
    for path in ("/feeds/faelle/rss/", "/feeds/faelle/atom/"):
        response = client.get(path, {"thema": case.themes.first().slug})
        assert response.status_code == 200, path
        root = ElementTree.fromstring(response.content)  # noqa: S314 - our own feed
        yield path, ElementTree.tostring(root, encoding="unicode")
    response = client.get("/oembed/", {"url": f"http://testserver{case.url}", "format": "xml"})
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own answer
    yield "oembed", ElementTree.tostring(root, "unicode")


@pytest.mark.django_db
def test_feeds_and_oembed_xml_survive_control_characters_in_stored_text(client, demo_site):
    case = CasePage.objects.live().public().filter(themes__isnull=False).first()
    # Stored behind the model's back (as older data may be): the XML writers clean it.
    CasePage.objects.filter(pk=case.pk).update(
        title=TITLE, summary="Zeile\x08eins", last_published_at=timezone.now()
    )
    case.refresh_from_db()
    texts = dict(_feeds_and_oembed(client, case))
    assert "Kontrollzeichen im Titel" in texts["/feeds/faelle/rss/"]
    assert "Kontrollzeichen im Titel" in texts["/feeds/faelle/atom/"]
    assert "Kontrollzeichen im Titel" in texts["oembed"]


@pytest.mark.django_db
def test_control_characters_are_stripped_on_save(demo_site):
    case = CasePage.objects.live().first()
    case.title = TITLE
    # NUL itself cannot be stored in PostgreSQL text at all: \x01 stands for the rest.
    case.summary = "Mit\x01Eins und\tTab\nund Zeile"
    case.save_revision().publish()
    case.refresh_from_db()
    assert case.title == "Kontrollzeichen im Titel"
    assert case.summary == "MitEins und\tTab\nund Zeile"
    contact = Contact.objects.create(
        function="Leitung\x1b", name="Erika\x7f Muster", organisation=Organisation.objects.first()
    )
    contact.refresh_from_db()
    assert (contact.function, contact.name) == ("Leitung", "Erika Muster")


@pytest.mark.django_db
def test_control_characters_are_stripped_from_streamfield_text_on_save(demo_site):
    case = CasePage.objects.live().first()
    case.body = [
        ("paragraph", "<p>Absatz\x0b mit\x0c Steuer\x1fzeichen</p>"),
        (
            "section",
            {
                "kind": "goals",
                "heading": "Ziel\x0bsetzung\tmit Tab",
                "content": [("quote", {"text": "Zitat\x00\nZeile zwei", "attribution": "A\x7f"})],
            },
        ),
    ]
    case.save_revision().publish()
    case = CasePage.objects.get(pk=case.pk)
    paragraph, section = case.body
    assert paragraph.value.source == "<p>Absatz mit Steuerzeichen</p>"
    assert section.value["heading"] == "Zielsetzung\tmit Tab"
    quote = section.value["content"][0].value
    assert (quote["text"], quote["attribution"]) == ("Zitat\nZeile zwei", "A")
