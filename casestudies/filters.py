"""Server-side filters of the case library. Parameter names are German because they appear
in shareable URLs: ?thema=wohnen&land=NI&groesse=kleine-kleinstadt&status=laufend."""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from core.geo import SizeClass, State

from .models import BudgetRange, CasePage, CaseTown, DurationClass, Scope, Status, Theme


class CaseOrdering(django_filters.OrderingFilter):
    """Cases without a structured start come last on every database (PostgreSQL would put
    NULL first when sorting descending)."""

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        if value == "-period_start_year":
            return F("period_start_year").desc(nulls_last=True)
        if value == "period_start_year":
            return F("period_start_year").asc(nulls_last=True)
        return value


class CaseFilter(django_filters.FilterSet):
    thema = django_filters.ModelMultipleChoiceFilter(
        label=_("Thema"),
        field_name="themes__slug",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        method="filter_themes",
    )
    land = django_filters.MultipleChoiceFilter(
        label=_("Bundesland"),
        choices=State.choices,
        widget=forms.CheckboxSelectMultiple,
        method="filter_states",
    )
    groesse = django_filters.MultipleChoiceFilter(
        label=_("Stadtgröße"),
        choices=SizeClass.choices,
        widget=forms.CheckboxSelectMultiple,
        method="filter_size_classes",
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    budget = django_filters.MultipleChoiceFilter(
        label=_("Budgetrahmen"),
        field_name="transfer_budget_range",
        choices=BudgetRange.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    dauer = django_filters.MultipleChoiceFilter(
        label=_("Zeitbedarf"),
        field_name="transfer_duration_class",
        choices=DurationClass.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    reichweite = django_filters.MultipleChoiceFilter(
        label=_("Reichweite"),
        field_name="scope",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sortierung = CaseOrdering(
        label=_("Sortierung"),
        # The documentation quality is the search's ranking prior (search.indexer.quality).
        fields=(
            ("first_published_at", "neu"),
            ("title", "titel"),
            ("period_start_year", "beginn"),
            ("search_entry__quality", "dokumentiert"),
        ),
        field_labels={
            "first_published_at": _("Veröffentlichung"),
            "title": _("Titel"),
            "period_start_year": _("Projektbeginn"),
            "search_entry__quality": _("Dokumentation"),
        },
        empty_label=None,
        choices=[
            ("-neu", _("Neueste zuerst")),
            ("titel", _("Titel A–Z")),
            ("-beginn", _("Jüngste Projekte zuerst")),
            ("-dokumentiert", _("Am besten dokumentiert")),
        ],
    )

    class Meta:
        model = CasePage
        fields = []

    def __init__(self, data=None, *args, theme=None, library=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.theme = theme
        self.library = library
        if theme is not None:
            # On a theme route the theme is fixed by the URL.
            del self.filters["thema"]

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            queryset = super().qs
            if self.theme is not None:
                queryset = queryset.filter(themes=self.theme)
            sort = self.form.cleaned_data.get("sortierung") if self.is_bound else None
            if not sort:
                queryset = queryset.order_by("-first_published_at", "title")
            elif sort == ["-dokumentiert"]:
                # Ties (and cases without a search entry yet) newest first, as by default.
                queryset = queryset.order_by(
                    F("search_entry__quality").desc(nulls_last=True), "-first_published_at", "title"
                )
            self._qs = queryset
        return self._qs

    def filter_themes(self, queryset, name, value):
        if not value:
            return queryset
        links = CasePage.themes.through.objects.filter(casepage=OuterRef("pk"), theme__in=value)
        return queryset.filter(Exists(links))

    def _towns_matching(self, **lookup):
        return Exists(CaseTown.objects.filter(page=OuterRef("pk"), **lookup))

    def filter_states(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(self._towns_matching(town__state__in=value))

    def filter_size_classes(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(self._towns_matching(town__size_class__in=value))

    @property
    def active_filters(self):
        """(label, value label) pairs of the filters in use, for the result summary."""
        if not self.is_bound or not self.form.is_valid():
            return []
        active = []
        for name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(name)
            if not value or name == "sortierung":
                continue
            if name == "thema":
                labels = [str(theme) for theme in value]
            elif hasattr(field, "choices"):
                choices = dict(field.choices)
                labels = [str(choices.get(item, item)) for item in value]
            else:
                labels = [value]
            active.append((field.label, ", ".join(labels)))
        return active
