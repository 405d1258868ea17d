"""Transfer facts at a glance (issue 17): the facts on the case page and on every card, with
"nicht angegeben" where missing; the library filters and search facets for budget range,
duration class and scope; the sort "am besten dokumentiert"; the compare view; the PDF
handout's access rules (its page count and text: tests/browser/test_handout.py)."""

import re
from html import unescape
from urllib.parse import quote

import pytest
from wagtail.models import PageViewRestriction

from casestudies.models import CasePage, DurationClass
from casestudies.transfer_facts import duration_class_for, duration_months
from search import engine, indexer
from search.models import SearchEntry

OSTERBURG = "osterburg-buergerrat-klimaschutz"
ISTAG = "istag-muensterland-wohnungsbaugesellschaft"
MACHBAR = "koenigslutter-machbar"


@pytest.fixture
def search_ready(demo_site):
    if not SearchEntry.objects.exists():
        indexer.rebuild()
    engine.reset_snapshot()
    yield demo_site
    engine.reset_snapshot()


def text(response):
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.mark.parametrize(
    ("duration", "months", "expected"),
    [
        ("Umsetzung in drei bis sechs Monaten", 6, DurationClass.UP_TO_1Y),
        ("Etwa eineinhalb Jahre von der Befragung bis zur Eröffnung", 18, DurationClass.UP_TO_2Y),
        ("Etwa 18 Monate von der Ausschreibung bis zum Beschluss", 18, DurationClass.UP_TO_2Y),
        ("Vorbereitung etwa ein Jahr; Erprobung zwei Jahre", 24, DurationClass.UP_TO_2Y),
        ("Rund vier Jahre von der Konzeptvergabe bis zum Einzug", 48, DurationClass.UP_TO_4Y),
        (
            "Konzept ein Jahr, Umsetzung in Abschnitten über drei bis fünf Jahre",
            60,
            "ueber-4-jahre",
        ),
        ("Jahreszyklus von der Einreichung bis zur Umsetzung", None, ""),
        ("", None, ""),
    ],
)
def test_duration_class_is_derived_from_the_longest_span(duration, months, expected):
    assert duration_months(duration) == months
    assert duration_class_for(duration) == expected


@pytest.mark.django_db
def test_saving_a_case_derives_its_duration_class(demo_site):
    case = demo_site.case(OSTERBURG)
    case.transfer_duration = "Rund acht Jahre bis zum letzten Bauabschnitt"
    case.save(update_fields=["transfer_duration"])
    case.refresh_from_db()
    assert case.transfer_duration_class == DurationClass.LONGER


@pytest.mark.django_db
def test_fact_box_shows_transfer_facts_and_what_is_missing(client, demo_site):
    case = demo_site.case(OSTERBURG)
    case.transfer_funding_rate = ""
    case.transfer_budget_range = "10k-50k"
    case.save_revision().publish()
    content = client.get(case.url).content.decode()
    box = content[content.index('class="factbox"') : content.index("factbox__checked")]
    box_text = unescape(re.sub(r"<[^>]+>|\s+", " ", box))
    for label in ("Budgetrahmen", "Kosten", "Förderquote", "Personal", "Zeitbedarf"):
        assert label in box_text
    assert "Ratsbeschlüsse" in box_text
    assert "10.000 bis 50.000 €" in box_text
    assert re.search(r"Förderquote\s+nicht angegeben", box_text), box_text
    assert "Kosten vor allem für Moderation" in box_text  # the editor's wording, in full


@pytest.mark.django_db
def test_library_cards_carry_the_transfer_facts(client, demo_site):
    response = client.get(demo_site.library.url)
    content = text(response)
    cards = content.count('class="card__transfer"')
    assert cards == len(response.context["cases"]) > 0
    assert content.count("Budgetrahmen") >= cards
    assert "nicht angegeben" in content
    assert "Vergleichen" in content and "/faelle/vergleich/?fall=" in content


@pytest.mark.django_db
def test_theme_page_cards_carry_the_transfer_facts(client, demo_site):
    response = client.get(demo_site.library.url + "thema/wohnen/")
    assert response.status_code == 200
    content = text(response)
    assert content.count('class="card__transfer"') == len(response.context["cases"]) > 0


@pytest.mark.django_db
def test_search_cards_carry_the_transfer_facts(client, search_ready):
    response = client.get("/suche/", {"q": "Bürgerrat Klimaschutz"})
    content = text(response)
    case = search_ready.case(OSTERBURG)
    first = content.index('<article class="card search-result')
    card = content[first : content.index("</article>", first)]
    assert case.title in card
    assert "10.000 bis 50.000 €" in card
    assert "Ratsbeschlüsse" in card
    # Guides and events have no transfer facts.
    guide_hits = [hit for hit in response.context["search"].results if hit.kind != "case"]
    assert all(hit.transfer_facts is None for hit in guide_hits)


@pytest.mark.django_db
def test_library_filters_by_budget_duration_and_scope(client, demo_site):
    library = demo_site.library.url
    all_cases = demo_site.library.cases()

    def slugs(query):
        response = client.get(library + query)
        assert response.status_code == 200
        every = demo_site.library.cases_in_order(response.context["filter"].all_page_ids())
        return {case.slug for case in every}

    by_budget = slugs("?budget=10k-50k")
    assert by_budget == set(
        all_cases.filter(transfer_budget_range="10k-50k").values_list("slug", flat=True)
    )
    assert OSTERBURG in by_budget
    assert slugs("?reichweite=interkommunal") == set(
        all_cases.filter(scope="interkommunal").values_list("slug", flat=True)
    )
    short = slugs("?dauer=bis-1-jahr")
    assert short and short == set(
        all_cases.filter(transfer_duration_class="bis-1-jahr").values_list("slug", flat=True)
    )
    both = slugs("?dauer=bis-1-jahr&budget=10k-50k")
    assert both == short & by_budget
    content = text(client.get(library + "?reichweite=interkommunal"))
    assert "Aktive Filter:" in content and "interkommunal" in content


@pytest.mark.django_db
def test_library_sorts_best_documented_first(client, search_ready):
    response = client.get(search_ready.library.url + "?sortierung=-dokumentiert")
    cases = search_ready.library.cases_in_order(response.context["filter"].all_page_ids())
    quality = dict(SearchEntry.objects.values_list("page_id", "quality"))
    scores = [quality.get(case.pk, -1) for case in cases]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[-1]
    assert 'value="-dokumentiert" selected' in response.content.decode()


@pytest.mark.django_db
def test_search_facets_for_budget_duration_and_scope(client, search_ready):
    response = client.get("/suche/", {"art": "case"})  # browsing all cases
    facets = response.context["search"].facets
    for name in ("budget", "dauer", "reichweite"):
        assert facets[name], name
    scope_counts = {value.value: value.count for value in facets["reichweite"]}
    cases = CasePage.objects.filter(pk__in=SearchEntry.objects.values("page_id"))
    assert scope_counts["interkommunal"] == cases.filter(scope="interkommunal").count()
    content = text(response)
    assert "Budgetrahmen" in content and "Zeitbedarf" in content and "Reichweite" in content

    narrowed = client.get("/suche/", {"budget": "10k-50k", "reichweite": "lokal", "art": "case"})
    hits = narrowed.context["search"].results
    assert hits
    expected = cases.filter(transfer_budget_range="10k-50k", scope="lokal").count()
    assert narrowed.context["search"].count == expected
    for hit in hits:
        page = CasePage.objects.get(pk=hit.page.id)
        assert (page.transfer_budget_range, page.scope) == ("10k-50k", "lokal")

    bad = client.get("/suche/", {"dauer": "ewig"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_search_sort_best_documented(client, search_ready):
    response = client.get("/suche/", {"q": "Wohnen", "sortierung": "dokumentiert"})
    assert response.status_code == 200
    hits = response.context["search"].results
    quality = dict(SearchEntry.objects.values_list("id", "quality"))
    scores = [quality[hit.entry_id] for hit in hits]
    assert len(scores) > 1 and scores == sorted(scores, reverse=True)
    assert "Am besten dokumentiert" in text(response)


@pytest.mark.django_db
def test_api_search_accepts_the_new_facets_and_sort(client, search_ready):
    response = client.get("/api/search/", {"dauer": "bis-1-jahr", "sortierung": "dokumentiert"})
    assert response.status_code == 200
    data = response.json()
    assert {value["value"] for value in data["facets"]["dauer"]} >= {"bis-1-jahr"}
    assert data["count"] == len(
        CasePage.objects.live().filter(transfer_duration_class="bis-1-jahr")
    )


@pytest.mark.django_db
def test_compare_view_puts_three_cases_side_by_side(client, demo_site):
    url = demo_site.library.url + "vergleich/"
    response = client.get(url, {"fall": [OSTERBURG, ISTAG, MACHBAR]})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    content = response.content.decode()
    table = unescape(
        re.sub(r"\s+", " ", content[content.index("<table") : content.index("</table>")])
    )
    heads = re.findall(
        r'<th scope="col">\s*<a class="compare__title" href="[^"]+">([^<]+)</a>', table
    )
    assert heads == [demo_site.case(slug).title for slug in (OSTERBURG, ISTAG, MACHBAR)]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', table)
    for label in ("Budgetrahmen", "Kosten", "Förderquote", "Personal", "Zeitbedarf"):
        assert label in rows
    assert "Ratsbeschlüsse" in rows
    assert "10.000 bis 50.000 €" in table and "nicht angegeben" in table
    # Three is the most: no form to add another.
    assert "Fall hinzufügen" not in content


@pytest.mark.django_db
def test_compare_view_limits_and_reports(client, demo_site):
    url = demo_site.library.url + "vergleich/"
    others = list(demo_site.library.cases().exclude(slug=OSTERBURG).values_list("slug", flat=True))
    response = client.get(url, {"fall": [OSTERBURG, *others[:3], "gibt-es-nicht"]})
    assert response.status_code == 200
    assert len(response.context["compared"]) == 3
    assert "höchstens 3 Fälle" in text(response)

    missing = client.get(url, {"fall": [OSTERBURG, "gibt-es-nicht"]})
    assert "Nicht gefunden" in text(missing) and "gibt-es-nicht" in text(missing)

    search = client.get(url, {"fall": OSTERBURG, "suche": "Wärme"})
    candidates = [case.slug for case, _url in search.context["candidates"]]
    assert candidates and OSTERBURG not in candidates
    first_url = search.context["candidates"][0][1]
    assert f"fall={OSTERBURG}" in first_url and f"fall={candidates[0]}" in first_url


@pytest.mark.django_db
def test_restricted_or_unpublished_cases_stay_out_of_compare_and_pdf(client, demo_site):
    case = demo_site.case(OSTERBURG)
    PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    other = demo_site.case(MACHBAR)
    other.unpublish()
    library = demo_site.library.url
    response = client.get(library + "vergleich/", {"fall": [OSTERBURG, MACHBAR, ISTAG]})
    assert [c.slug for c, _url in response.context["compared"]] == [ISTAG]
    content = text(response)
    assert case.title not in content and other.title not in content
    assert client.get(f"{library}pdf/{OSTERBURG}/").status_code == 404
    assert client.get(f"{library}pdf/{MACHBAR}/").status_code == 404


@pytest.mark.django_db
def test_case_page_offers_pdf_mail_copy_and_compare(client, demo_site):
    case = demo_site.case(OSTERBURG)
    content = client.get(case.url).content.decode()
    library = demo_site.library.url
    assert f'href="{library}pdf/{OSTERBURG}/"' in content
    assert f'href="{library}vergleich/?fall={OSTERBURG}"' in content
    mailto = re.search(r'href="(mailto:[^"]+)"', content).group(1)
    assert "subject=Praxisfall%3A%20B%C3%BCrgerrat" in mailto
    assert "body=" in mailto and quote(f"http://testserver{case.url}") in mailto
    assert "data-copy-link=" in content and "Link kopieren" in content


@pytest.mark.django_db
def test_embedded_card_carries_the_transfer_facts(client, demo_site):
    card = text(client.get(f"/einbetten/fall/{OSTERBURG}/karte/"))
    assert "Budgetrahmen" in card and "10.000 bis 50.000 €" in card
    assert "Förderquote" in card and "nicht angegeben" in card


def test_pdf_fetches_static_files_and_nothing_else():
    from casestudies.handout import StaticFilesOnly

    fetcher = StaticFilesOnly()
    response = fetcher.fetch("http://testserver/static/css/transfer.css")
    assert b"@media print" in response.read()
    # A hashed name (ManifestStaticFilesStorage) is the same file.
    hashed = fetcher.fetch("https://cdn.example.org/static/css/transfer.0123456789ab.css")
    assert b"@media print" in hashed.read()
    for url in (
        "https://example.org/image.png",
        "http://testserver/media/images/photo.jpg",
        "http://testserver/static/../cms/settings/base.py",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


@pytest.mark.django_db
def test_pdf_handout_shows_only_public_contact_data(client, demo_site):
    from io import BytesIO

    from pypdf import PdfReader

    from casestudies.models import CaseContact, Contact

    case = demo_site.case(OSTERBURG)
    private = Contact.objects.create(
        name="Erika Verborgen", function="Projektleitung Bürgerrat", email="erika@example.org"
    )
    CaseContact.objects.create(page=case, contact=private, sort_order=99)
    response = client.get(f"{demo_site.library.url}pdf/{OSTERBURG}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    pdf_text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Projektleitung Bürgerrat" in pdf_text
    assert "Erika Verborgen" not in pdf_text and "erika@example.org" not in pdf_text
    assert len(reader.pages) <= 2
