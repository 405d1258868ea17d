"""What the search knows about an event."""

from django.utils import timezone

from casestudies.importer import html_to_text
from search.service import Document, register

from .models import EventPage


@register(EventPage)
def event_document(page):
    themes = list(page.themes.all())
    speakers = list(page.speakers.all())
    questions = [block.value for block in page.questions if block.block_type == "question"]
    start = timezone.localtime(page.start)
    text = "\n\n".join(
        part
        for part in [page.subtitle, html_to_text(page.description), "\n".join(questions)]
        if part and part.strip()
    )
    return Document(
        kind="event",
        heading=page.title,
        summary=page.summary,
        text=text,
        # Not the titles of the related cases: the event must not outrank the case itself.
        key_texts=[
            page.get_event_format_display(),
            page.series,
            *(speaker.name for speaker in speakers),
            *(speaker.town for speaker in speakers if speaker.town),
            *(theme.name for theme in themes),
            page.venue,
            page.address,
        ],
        themes=[theme.slug for theme in themes],
        theme_names=[theme.name for theme in themes],
        period_start=start.year,
        period_end=start.year,
    )
