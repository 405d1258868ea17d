"""The filters of the case library, answered by the search service like the search page.

Parameter names are German because they appear in shareable URLs:
?thema=wohnen&land=NI&groesse=kleine-kleinstadt&status=laufend&sortierung=titel. The form
only reads and checks them: a value it does not know is named above the filters and left
out, the other filters still apply. Counts, order and paging come from
``search.service.search`` (filters on every case, no query), so the library, the search page
and the partner selections agree on what a filter selects.
"""

import math
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from core.geo import SizeClass, State
from search.service import SearchError, SearchRequest, page_ids, search

from .models import BudgetRange, DurationClass, Scope, Status, Theme

# The library's sort parameter -> the search service's sort. The library's values say the
# direction ("-neu"), as the library's links always have.
SORT_CHOICES = [
    ("-neu", _("Neueste zuerst")),
    ("titel", _("Titel A–Z")),
    ("-beginn", _("Jüngste Projekte zuerst")),
    ("-dokumentiert", _("Am besten dokumentiert")),
]
SEARCH_SORTS = {
    "-neu": "neu",
    "titel": "titel",
    "-beginn": "beginn",
    "-dokumentiert": "dokumentiert",
}
DEFAULT_SORT = "-neu"


def _choices_field(label, choices=()):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class CaseFilterForm(forms.Form):
    thema = _choices_field(_("Thema"))
    land = _choices_field(_("Bundesland"), State.choices)
    groesse = _choices_field(_("Stadtgröße"), SizeClass.choices)
    status = _choices_field(_("Status"), Status.choices)
    budget = _choices_field(_("Budgetrahmen"), BudgetRange.choices)
    dauer = _choices_field(_("Zeitbedarf"), DurationClass.choices)
    reichweite = _choices_field(_("Reichweite"), Scope.choices)
    sortierung = forms.ChoiceField(label=_("Sortierung"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, theme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if theme is not None:
            # On a theme route the theme is fixed by the URL.
            del self.fields["thema"]
        else:
            self.fields["thema"].choices = list(Theme.objects.values_list("slug", "name"))


class ListingPaginator:
    """The paging of a listing, shaped like Django's ``Paginator`` where templates read it
    (``count``, ``num_pages``); every match in order: ``CaseFilter.all_page_ids``."""

    def __init__(self, count, per_page):
        self.count = count
        self.per_page = per_page

    @property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.per_page))


@dataclass
class ListingPage:
    """One page of a listing, shaped like Django's ``Page``."""

    number: int
    paginator: ListingPaginator


class CaseFilter:
    """The library's filter form and the search request it stands for. ``within``: the page
    (a library) whose cases are listed; the results, the total and every count are of the
    cases below it."""

    def __init__(self, data=None, theme=None, within=None):
        self.theme = theme
        self.within = within
        self.is_bound = bool(data)
        self.form = CaseFilterForm(data or None, theme=theme)
        self.form.is_valid()  # errors are shown; the valid filters apply

    def _value(self, name):
        return self.form.cleaned_data.get(name) if self.is_bound else None

    def search_request(self, page=1, page_size=10):
        filters = {"art": ["case"]}
        for name in self.form.fields:
            if name != "sortierung" and self._value(name):
                filters[name] = self._value(name)
        if self.theme is not None:
            filters["thema"] = [self.theme.slug]
        sort = SEARCH_SORTS[self._value("sortierung") or DEFAULT_SORT]
        within = self.within.url_path if self.within is not None else ""
        return SearchRequest("", filters, sort, page=page, page_size=page_size, within=within)

    def page(self, number, page_size):
        """The page ids of one page of matches and the ``ListingPage``; a page past the
        last shows the last (as the library always did)."""
        try:
            response = search(self.search_request(number, page_size))
        except SearchError:  # deeper than a search server pages
            response = None
        if response is None or number > response.num_pages:
            number = (response or search(self.search_request(1, page_size))).num_pages
            response = search(self.search_request(number, page_size))
        listing_page = ListingPage(number, ListingPaginator(response.count, page_size))
        return [hit.page.id for hit in response.results], listing_page

    def all_page_ids(self):
        return page_ids(self.search_request())

    def counts(self, facet):
        """{value: number of cases} of one facet among the cases of this filter (the facet's
        own filter left out, as the search counts facets)."""
        response = search(self.search_request(page_size=1))
        return {value.value: value.count for value in response.facets[facet]}

    @property
    def active_filters(self):
        """(label, value label) pairs of the filters in use, for the result summary."""
        active = []
        for name, field in self.form.fields.items():
            value = self._value(name)
            if not value or name == "sortierung":
                continue
            choices = dict(field.choices)
            active.append((field.label, ", ".join(str(choices.get(item, item)) for item in value)))
        return active
