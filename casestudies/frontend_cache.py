"""Which live case pages show a piece of reference data, for purging the frontend cache
(core.cache.purge_references) when an editor changes it."""

from core.cache import register_pages_showing

from .models import CasePage

# Reference data -> the lookup from a case page to it.
CASE_LOOKUPS = {
    "casestudies.Theme": "themes",
    "casestudies.FundingProgramme": "funding_programmes",
    "casestudies.Organisation": "partners",
    "casestudies.Town": "case_towns__town",
    "casestudies.Contact": "case_contacts__contact",
}


def cases_showing(lookup):
    def finder(instance):
        return CasePage.objects.live().filter(**{lookup: instance}).distinct()

    return finder


def register():
    for label, lookup in CASE_LOOKUPS.items():
        register_pages_showing(label, cases_showing(lookup))
