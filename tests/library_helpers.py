"""A second case library in the demo site, for the tests of what each library lists."""

from collections import Counter

from casestudies.models import CaseLibraryPage, CasePage, CaseSectionPage
from search.engines import server
from search.models import SearchEntry

# Demo cases moved into the second library: the first into a section below it.
MOVED = (
    "osterburg-buergerrat-klimaschutz",
    "gomadingen-dorfladen-genossenschaft",
    "istag-muensterland-wohnungsbaugesellschaft",
)


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def add_second_library(demo_site, capture_on_commit_callbacks, slugs=MOVED):
    """ "Fallbibliothek Süd" (/sued/) next to the demo library, with the cases ``slugs`` moved
    into it (the first into its section "Netzwerk Süd"); the search entries follow the moves
    through the outbox, drained here as after a commit."""
    with capture_on_commit_callbacks(execute=True):
        library = publish(
            demo_site.home.add_child(
                instance=CaseLibraryPage(title="Fallbibliothek Süd", slug="sued", live=False)
            )
        )
        section = publish(
            library.add_child(
                instance=CaseSectionPage(title="Netzwerk Süd", slug="netzwerk-sued", live=False)
            )
        )
        for index, slug in enumerate(slugs):
            demo_site.case(slug).move(section if index == 0 else library, pos="last-child")
    return library


def case_ids_below(library):
    return set(CasePage.objects.live().public().descendant_of(library).values_list("pk", flat=True))


def facet_counts_of(page_ids, facet):
    """Facet value -> number of these pages' entries with it, read from the database rows
    (as the engine's documents hold them)."""
    return facet_counts_of_entries(SearchEntry.objects.filter(page_id__in=page_ids), facet)


def facet_counts_of_entries(entries, facet):
    """Facet value -> number of these entries (a queryset) with it, read from the rows."""
    field = server.FACET_FIELDS[facet]
    counts = Counter()
    for entry in entries:
        values = server.document(entry)[field]
        if isinstance(values, list):
            counts.update(set(values))
        elif values:
            counts[values] += 1
    return dict(counts)


def shown_counts(values):
    return {value.value: value.count for value in values if value.count}
