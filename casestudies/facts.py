"""What a case page shows besides its own fields, through Django's public prefetching.

A case page lists its towns (with their roles), themes, tags, funding programmes, partners
and contacts. ``load_facts`` loads them with ``prefetch_related_objects``: one query per
relation, and the results sit where Django puts prefetched objects, so ``page.themes.all()``
and friends in the templates and the JSON-LD run no further query. What it costs per request
is bounded by the template fragment cache of the fact box (keyed by the page's latest
revision and the content generation), not by hand-written SQL.
"""

from django.db.models import Prefetch, prefetch_related_objects

from .models import CaseContact, CaseTown

RELATIONS = ("themes", "funding_programmes", "partners", "tags")


def load_facts(page, request=None):
    """Fill ``page`` with its towns (``page.town_links``), themes, tags, funding programmes
    and partners (prefetched), and return its contacts in order."""
    prefetch_related_objects(
        [page],
        *RELATIONS,
        Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")),
        Prefetch(
            "case_contacts",
            queryset=CaseContact.objects.select_related("contact__organisation"),
        ),
    )
    page.town_links = list(page.case_towns.all())
    return [link.contact for link in page.case_contacts.all()]
