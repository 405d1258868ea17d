"""What the search knows about guides and glossary terms."""

from casestudies.importer import html_to_text
from search.service import Document, register

from .models import GlossaryTermPage, GuidePage


@register(GuidePage)
def guide_document(page):
    themes = list(page.themes.all())
    steps = [
        "\n".join([block.value["title"], html_to_text(block.value["text"].source)])
        for block in page.steps
        if block.block_type == "step"
    ]
    text = "\n\n".join(
        part
        for part in [
            html_to_text(page.intro),
            html_to_text(page.prerequisites),
            page.costs,
            *steps,
            html_to_text(page.pitfalls),
        ]
        if part and part.strip()
    )
    return Document(
        kind="guide",
        heading=page.title,
        summary=page.summary,
        text=text,
        # The titles of the cases that apply the guide are left out on purpose: they would
        # make the guide outrank the case itself for a search for that case.
        key_texts=[page.get_kind_display(), *(theme.name for theme in themes)],
        themes=[theme.slug for theme in themes],
        theme_names=[theme.name for theme in themes],
    )


@register(GlossaryTermPage)
def glossary_document(page):
    return Document(
        kind="glossary",
        heading=page.title,
        summary=page.definition,
        text=html_to_text(page.body),
        key_texts=[form for form in [page.long_form, *page.forms] if form],
    )
