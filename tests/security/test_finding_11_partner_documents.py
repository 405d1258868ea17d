"""Finding 11: a document in a partner's collection that nothing used downloaded
anonymously by its URL. It is private until a live public page uses it."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection

from casestudies.models import CasePage
from editorial.demo import PARTNERS


@pytest.mark.django_db
def test_partner_document_private_until_used_on_a_public_page(
    client, admin_client, demo_site, django_capture_on_commit_callbacks
):
    collection = Collection.objects.get(name=PARTNERS[0]["name"])
    document = get_document_model().objects.create(
        title="Interne Kalkulation",
        collection=collection,
        file=ContentFile(b"%PDF-1.4 geheim", name="kalkulation.pdf"),
    )
    assert client.get(document.url).status_code == 404
    response = admin_client.get(document.url)
    # Served, or redirected to the storage (test settings keep files in memory).
    assert response.status_code in (200, 302), response.content[:300]

    case = CasePage.objects.live().public().first()
    case.lessons = f'<p><a linktype="document" id="{document.pk}">Kalkulation</a></p>'
    with django_capture_on_commit_callbacks(execute=True):
        case.save_revision().publish()
    assert client.get(document.url).status_code in (200, 302)

    # A document of no partner collection is served as before.
    other = get_document_model().objects.create(
        title="Öffentlich", file=ContentFile(b"%PDF-1.4 frei", name="frei.pdf")
    )
    assert client.get(other.url).status_code in (200, 302)
