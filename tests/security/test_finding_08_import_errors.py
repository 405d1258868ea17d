"""Finding 8: the admin import answered 500 to deeply nested JSON, a 5,001-digit number,
1e400, NaN, Infinity and a CSV cell over 131,072 characters. Each is now a refused job with
a German message, and nothing is imported."""

import pytest

from casestudies.models import CasePage
from tests.transfer.helpers import upload
from transfer.models import ImportJob

INDEX = "/admin/import-export/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tief.json", "[" * 100_000 + "]" * 100_000, "verschachtelt"),
        ("zahl.json", '[{"title": "A", "population": ' + "9" * 5001 + "}]", "Stellen"),
        ("gross.json", '[{"title": "A", "population": 1e400}]', "keine Zahl"),
        ("nan.json", '[{"title": "A", "population": NaN}]', "NaN"),
        ("inf.json", '[{"title": "A", "population": -Infinity}]', "Infinity"),
        ("zelle.csv", "title,summary\nA," + "x" * 131_073 + "\n", "CSV-Zeile"),
    ],
)
def test_bad_values_get_a_message_not_a_500(admin_client, demo_site, name, content, message):
    before = CasePage.objects.count()
    response = admin_client.post(INDEX, {"file": upload(name, content)}, follow=True)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == "invalid"
    assert message in job.errors[0]["message"]
    assert CasePage.objects.count() == before
