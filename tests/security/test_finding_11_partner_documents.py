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
    client, admin_client, demo_site, django_capture_on_commit_callbacks, settings, tmp_path
):
    # Files on disk, as in production: the in-memory storage of the test settings cannot
    # be served by Wagtail's document view at all.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    collection = Collection.objects.get(name=PARTNERS[0]["name"])
    document = get_document_model().objects.create(
        title="Interne Kalkulation",
        collection=collection,
        file=ContentFile(b"%PDF-1.4 geheim", name="kalkulation.pdf"),
    )
    assert client.get(document.url).status_code == 404
    assert admin_client.get(document.url).status_code == 200

    case = CasePage.objects.live().public().first()
    case.lessons = f'<p><a linktype="document" id="{document.pk}">Kalkulation</a></p>'
    with django_capture_on_commit_callbacks(execute=True):
        case.save_revision().publish()
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 geheim"

    # A document of no partner collection is served as before.
    other = get_document_model().objects.create(
        title="Öffentlich", file=ContentFile(b"%PDF-1.4 frei", name="frei.pdf")
    )
    assert client.get(other.url).status_code == 200
