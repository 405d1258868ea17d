"""StreamField blocks of guides: numbered steps and downloads."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from core.blocks import RICH_TEXT_FEATURES, DocumentBlock


class StepBlock(blocks.StructBlock):
    """One step of a guide: what to do, who does it, how long it takes."""

    title = blocks.CharBlock(label=_("Schritt"), max_length=160)
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Beschreibung"))
    responsible = blocks.CharBlock(
        label=_("Wer"), required=False, help_text=_("Zum Beispiel „Verwaltung, Stabsstelle“.")
    )
    duration = blocks.CharBlock(
        label=_("Dauer"), required=False, help_text=_("Zum Beispiel „4–6 Wochen“.")
    )

    class Meta:
        icon = "list-ol"
        label = _("Schritt")
        template = "knowledge/blocks/step_block.html"
        preview_value = {
            "title": "Ratsbeschluss herbeiführen",
            "text": "<p>Der Rat beschließt Auftrag, Thema und Budget des Bürgerrats.</p>",
            "responsible": "Bürgermeister, Rat",
            "duration": "2 Monate",
        }
        description = _("Ein Arbeitsschritt mit Beschreibung, Zuständigkeit und Dauer")


class StepsBlock(blocks.StreamBlock):
    step = StepBlock()

    class Meta:
        label = _("Schritte")


class DownloadsBlock(blocks.StreamBlock):
    document = DocumentBlock()

    class Meta:
        label = _("Downloads")
