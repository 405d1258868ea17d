"""Finding 3: imported rich text skipped Wagtail's cleaning. ``lessons_html`` and story
paragraphs with scripts, event handlers and third-party frames now keep only what the
editor's features allow, on the page and in the API."""

import pytest

from casestudies.importer import SECTION_FIELDS, CaseImporter
from casestudies.models import CasePage
from devtools.fake import generate_records

EVIL = (
    '<p>Gute <b>Praxis</b><img src="x" onerror="alert(1)"><script>alert(2)</script>'
    '<iframe src="https://tracker.example/"></iframe>'
    '<a href="https://example.org" onclick="steal()">Quelle</a>'
    '<a href="javascript:alert(3)">Klick</a></p><h3 style="color:red">Zwischentitel</h3>'
)
FORBIDDEN = ("<script", "onerror", "<iframe", "tracker.example", "onclick", "javascript:", "<img")


def _record():
    record = generate_records(1, seed=12)[0]
    record["slug"] = "import-mit-html"
    record.pop("lessons", None)
    for key in SECTION_FIELDS:
        record.pop(key, None)
    record["lessons_html"] = EVIL
    record["story"] = [
        {
            "type": "section",
            "value": {
                "kind": "implementation",
                "heading": "Umsetzung",
                "content": [{"type": "paragraph", "value": EVIL}],
            },
        }
    ]
    return record


@pytest.mark.django_db
def test_imported_rich_text_keeps_only_the_editors_features(client, demo_site):
    result = CaseImporter().run([_record()])
    assert result.created
    case = CasePage.objects.get(slug="import-mit-html")
    stored = case.lessons + str(case.body.raw_data)
    for fragment in FORBIDDEN:
        assert fragment not in stored, fragment
    assert "<b>Praxis</b>" in case.lessons
    assert '<a href="https://example.org">Quelle</a>' in case.lessons
    assert "<h3>Zwischentitel</h3>" in case.lessons
    page = client.get(case.url).content.decode()
    api = client.get(f"/api/v2/pages/{case.pk}/").content.decode()
    for fragment in ("onerror", "tracker.example", "onclick", "javascript:alert"):
        assert fragment not in page
        assert fragment not in api


@pytest.mark.django_db
def test_reimporting_cleaned_lessons_changes_nothing(demo_site):
    record = _record()
    del record["story"]
    CaseImporter().run([dict(record)])
    again = CaseImporter().run([dict(record)])
    assert again.unchanged == ["import-mit-html"], again
