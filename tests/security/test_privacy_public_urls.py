"""Privacy over every public URL kind (tests/public_pages.py): a password-restricted case and
a login-restricted partner section never appear, by title, URL or summary, in any public
response, including searches and listings aimed at them."""

import pytest
from wagtail.models import Page

from tests.public_pages import public_paths


def _targeted_paths(private):
    paths = []
    for case in private:
        words = " ".join(sorted(case.title.split(), key=len)[-2:])
        paths += [
            f"/api/search/?q={words}",
            f"/suche/?q={words}",
            f"/api/autocomplete/?q={max(case.title.split(), key=len)[:5]}",
            f"/orte-wie-meiner/?einwohner={case.population or 10000}&land={case.state}",
            f"/api/v2/faelle/?search={words}",
            f"/export/faelle.csv?q={words}",
            "/export/faelle.json",
            "/feeds/faelle/rss/",
            "/feeds/faelle/atom/",
            f"/oembed/?url=http://testserver{case.url}",
            f"/oembed/?url=http://testserver{case.url}&format=xml",
            "/sitemap.xml",
            "/einbetten/faelle/?anzahl=50",
        ]
    return paths


@pytest.mark.django_db
def test_private_cases_in_no_public_response(client, private_cases):
    paths = [path for _name, path in public_paths()] + _targeted_paths(private_cases)
    for case in private_cases:
        for other_id in case.related_from:
            paths.append(Page.objects.get(pk=other_id).url)
    leaks = []
    for path in paths:
        if any(path.startswith(case.url) for case in private_cases):
            continue  # the private page itself: Wagtail's own guard (asked for a password)
        response = client.get(path, follow=False)
        assert response.status_code < 500, path
        content = b"".join(response) if response.streaming else response.content
        content = content.decode("utf-8", "replace")
        for case in private_cases:
            for label, value in (
                ("title", case.title),
                ("url", case.url),
                ("summary", case.summary),
            ):
                if value and value in content:
                    leaks.append((path, case.title, label))
    assert not leaks
    assert len(paths) > 30
