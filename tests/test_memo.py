"""Page-independent data kept per content generation (core.memo): routing's page tree and
sites, glossary terms, guides and events per case, the reference data of the fact box.
Whatever an editor changes must show on the next request, and what is loaded from the memo
must be what the ORM would have loaded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from casestudies.facts import load_facts
from casestudies.models import CasePage, CaseSectionPage, Theme
from core.pages import child_by_slug
from knowledge.models import GlossaryPage, GlossaryTermPage, GuideCase, GuidePage

pytestmark = pytest.mark.django_db


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_routing_follows_new_renamed_and_unpublished_sections(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    assert client.get(case.url).status_code == 200  # the memo is built now

    section = demo_site.library.add_child(
        instance=CaseSectionPage(title="Netzwerk Test", slug="netzwerk-test", live=False)
    )
    publish(section)
    assert client.get("/faelle/netzwerk-test/").status_code == 200

    moved = demo_site.case("gomadingen-dorfladen-genossenschaft")
    moved.move(section, pos="last-child")
    assert client.get("/faelle/netzwerk-test/" + moved.slug + "/").status_code == 200
    # Wagtail leaves a redirect at the old address.
    old = client.get("/faelle/" + moved.slug + "/")
    assert old.status_code == 301
    assert old["Location"] == "/faelle/netzwerk-test/" + moved.slug + "/"

    section.slug = "netzwerk-neu"
    publish(section)
    assert client.get("/faelle/netzwerk-test/").status_code == 404
    assert client.get("/faelle/netzwerk-neu/" + moved.slug + "/").status_code == 200

    section.unpublish()
    assert client.get("/faelle/netzwerk-neu/").status_code == 404


def test_a_restriction_added_after_the_memo_was_built_applies(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    assert client.get(case.url).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=demo_site.library, restriction_type=PageViewRestriction.LOGIN
    )
    assert client.get(case.url).status_code == 302
    restriction.delete()
    assert client.get(case.url).status_code == 200


def test_glossary_term_published_later_is_linked(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    assert "Klimaschutzkonzept" in case.body.render_as_block()
    before = client.get(case.url).content.decode()
    assert 'glossary-link" href="/wissen/glossar/klimaschutzkonzept/"' not in before

    glossary = GlossaryPage.objects.get()
    term = glossary.add_child(
        instance=GlossaryTermPage(
            title="Klimaschutzkonzept",
            slug="klimaschutzkonzept",
            definition="Ein Plan, wie eine Kommune ihre Emissionen senkt.",
            live=False,
        )
    )
    publish(term)
    after = client.get(case.url).content.decode()
    assert after.count('glossary-link" href="/wissen/glossar/klimaschutzkonzept/"') == 1

    term.unpublish()
    assert "/wissen/glossar/klimaschutzkonzept/" not in client.get(case.url).content.decode()


def test_guide_saved_without_publishing_signal_shows_too(client, demo_site):
    """A page saved live without Wagtail's publish signal (scripts, imports) still starts a
    new generation when a memo depends on its type."""
    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    guide = GuidePage.objects.get(slug="leerstand-zwischennutzen")
    assert guide.title not in client.get(case.url).content.decode()
    guide.guide_cases.add(GuideCase(case=case))
    guide.save()
    assert guide.title in client.get(case.url).content.decode()


def test_guide_naming_a_case_shows_on_it_after_publishing(client, demo_site):
    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    guide = GuidePage.objects.get(slug="buergerrat-per-losverfahren-einberufen")
    assert guide.title not in client.get(case.url).content.decode()

    guide.guide_cases.add(GuideCase(case=case))
    publish(guide)
    assert guide.title in client.get(case.url).content.decode()


def test_fact_box_follows_reference_data(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    assert client.get(case.url).status_code == 200
    # One change at a time: each must start a new generation on its own.
    theme = case.themes.first()
    theme.name = "Klima und Energie (umbenannt)"
    theme.save()
    assert "Klima und Energie (umbenannt)" in client.get(case.url).content.decode()
    tag = case.tags.first()
    tag.name = "Losverfahren (umbenannt)"
    tag.save()
    assert "Losverfahren (umbenannt)" in client.get(case.url).content.decode()
    town = case.case_towns.first().town
    town.population = 12_345
    town.save()
    assert "12.345 Einwohner" in client.get(case.url).content.decode()
    contact = case.case_contacts.first().contact
    contact.organisation.name = "Stadt Osterburg (Altmark), umbenannt"
    contact.organisation.save()
    assert "Stadt Osterburg (Altmark), umbenannt" in client.get(case.url).content.decode()


def orm_facts(case):
    return {
        "towns": [
            (link.pk, link.town.name, link.role)
            for link in case.case_towns.select_related("town").order_by("sort_order", "pk")
        ],
        "themes": [theme.name for theme in case.themes.all()],
        "tags": [tag.name for tag in case.tags.all()],
        "funding_programmes": [p.name for p in case.funding_programmes.all()],
        "partners": [o.name for o in case.partners.all()],
        "contacts": [
            link.contact.name
            for link in case.case_contacts.select_related("contact").order_by("sort_order", "pk")
        ],
    }


def test_facts_from_the_memo_are_what_the_orm_loads(demo_site):
    cases = list(CasePage.objects.all())
    assert len(cases) > 20
    for case in cases:
        expected = orm_facts(CasePage.objects.get(pk=case.pk))
        facts = load_facts(case)
        with CaptureQueriesContext(connection) as queries:
            got = {
                "towns": [(link.pk, link.town.name, link.role) for link in facts.town_links],
                "themes": [theme.name for theme in facts.themes],
                "tags": [tag.name for tag in facts.tags],
                "funding_programmes": [p.name for p in facts.funding_programmes],
                "partners": [o.name for o in facts.partners],
                "contacts": [contact.name for contact in facts.contacts],
            }
        assert got == expected, case.slug
        assert [link.pk for link in case.town_links] == [link.pk for link in facts.town_links]
        assert len(queries) == 0  # all of it was loaded by load_facts


def test_facts_link_to_objects_the_memo_does_not_know_yet(demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    load_facts(case)  # builds the memo
    # Linked behind the signals' back (a bulk insert): the memo misses it, the database not.
    theme = Theme.objects.bulk_create([Theme(name="Neues Thema", slug="neues-thema")])[0]
    case.themes.through.objects.bulk_create([case.themes.through(casepage=case, theme=theme)])
    facts = load_facts(CasePage.objects.get(pk=case.pk))
    assert "Neues Thema" in [t.name for t in facts.themes]


def test_child_lookup_matches_the_orm(demo_site):
    library = demo_site.library
    for case in CasePage.objects.child_of(library)[:10]:
        found = child_by_slug(CasePage, library, case.slug)
        assert found is not None
        assert (found.pk, found.title, found.url_path, found.live) == (
            case.pk,
            case.title,
            case.url_path,
            case.live,
        )
        assert list(found.body.raw_data) == list(case.body.raw_data)
        assert found.last_checked == case.last_checked
    assert child_by_slug(CasePage, library, "gibt-es-nicht") is None
    # A case below a section is not a child of the library.
    section_case = CasePage.objects.filter(depth=library.depth + 2).first()
    assert section_case is not None
    assert child_by_slug(CasePage, library, section_case.slug) is None


def test_case_page_queries_in_steady_state_and_after_a_change(
    client, demo_site, django_capture_on_commit_callbacks
):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    client.get(case.url)
    with CaptureQueriesContext(connection) as steady:
        client.get(case.url)
    # The content generation, the page itself, its links, the search's checks (the site is
    # matched against the sites of the content generation: core/sites.py).
    assert len(steady) <= 5, [q["sql"][:80] for q in steady]

    theme = Theme.objects.first()
    # A new content generation: the memos are built again. The search entries that show the
    # theme are written again after the commit (search/outbox.py), not in this request.
    with django_capture_on_commit_callbacks(execute=True):
        theme.save()
    with CaptureQueriesContext(connection) as first:
        client.get(case.url)
    # Bounded by the number of memos, not by the number of pages or cases.
    assert len(first) <= 35, len(first)
