"""Admin widgets shared by every app."""

from django import forms
from wagtail.admin.staticfiles import versioned_static
from wagtail.admin.widgets import SlugInput

# How the site spells German letters in addresses: the same table as the importer's slugs
# (casestudies.importer.german_slugify). Wagtail's own transliteration turns "ä" into "a".
GERMAN_SLUG_FORMATTERS = [
    ("ä", "ae"),
    ("ö", "oe"),
    ("ü", "ue"),
    ("Ä", "Ae"),
    ("Ö", "Oe"),
    ("Ü", "Ue"),
    ("ß", "ss"),
]


class GermanSlugInput(SlugInput):
    """Wagtail's slug field (filled from the title while the page is new, editable) with the
    German transliteration applied first: "Tangerhütte" -> "tangerhuette"."""

    def __init__(self, attrs=None):
        defaults = {"data-w-slug-allow-unicode-value": "false"}
        super().__init__(
            attrs={**defaults, **(attrs or {})},
            formatters=GERMAN_SLUG_FORMATTERS,
        )


class SearchableCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """A long multiple choice (themes, funding programmes, partner organisations) as
    checkboxes with a search field above them (core/static/core/js/searchable-choices.js, a
    Stimulus controller registered with Wagtail's admin). Ticked entries come first.

    With ``chooser_url`` (set by the form for users who may add entries), a button below the
    list opens that chooser (Wagtail's modal with its "create" tab): the entry created or
    chosen there is ticked in the list, or added to it, without leaving the form."""

    template_name = "core/widgets/searchable_checkboxes.html"

    def __init__(self, *args, search_placeholder="", create_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.search_placeholder = search_placeholder
        self.create_label = create_label
        self.chooser_url = None

    @property
    def media(self):
        # Wagtail's modal workflow (always on admin pages) and the chooser's step handlers.
        return forms.Media(
            js=[
                versioned_static("wagtailadmin/js/chooser-modal.js"),
                "core/js/searchable-choices.js",
            ]
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_placeholder"] = self.search_placeholder
        context["widget"]["chooser_url"] = self.chooser_url
        context["widget"]["create_label"] = self.create_label
        return context

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        # Chosen entries first, so a case's programmes are seen without scrolling.
        return sorted(groups, key=lambda group: not any(opt["selected"] for opt in group[1]))
