"""Admin widgets shared by every app."""

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
