"""StreamField blocks shared by every page type."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Zitat"))
    attribution = blocks.CharBlock(label=_("Quelle / Person"), required=False)

    class Meta:
        icon = "openquote"
        label = _("Zitat")
        template = "blocks/quote_block.html"
        preview_value = {
            "text": "Stadt ist, wenn man mitmacht.",
            "attribution": "Motto der MachBar Königslutter",
        }
        description = _("Ein hervorgehobenes Zitat mit Quelle")


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(label=_("Bild"))
    caption = blocks.CharBlock(label=_("Bildunterschrift"), required=False)
    credit = blocks.CharBlock(label=_("Bildnachweis"), required=False)

    class Meta:
        icon = "image"
        label = _("Bild")
        template = "blocks/figure_block.html"
        description = _("Ein Bild mit Alternativtext, Bildunterschrift und Nachweis")


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Dokument"))
    title = blocks.CharBlock(label=_("Linktext"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Dokument")
        template = "blocks/document_block.html"
        description = _("Ein Dokument zum Herunterladen")


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video-URL"))
    caption = blocks.CharBlock(label=_("Beschreibung"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "blocks/video_block.html"
        description = _("Ein eingebettetes Video, das erst nach einem Klick geladen wird")


def paragraph_block():
    return blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        label=_("Text"),
        icon="pilcrow",
        template="blocks/paragraph_block.html",
        preview_value="<p>Ein leerstehendes Ladenlokal wird zum Treffpunkt.</p>",
        description=_("Fließtext mit Links und Listen"),
    )


class ContentStreamBlock(blocks.StreamBlock):
    paragraph = paragraph_block()
    quote = QuoteBlock()
    image = FigureBlock()
    document = DocumentBlock()
    video = VideoBlock()

    class Meta:
        label = _("Inhalt")


class StorySectionBlock(blocks.StructBlock):
    """One section of a case story: starting point, goals, implementation, results, ..."""

    KIND_CHOICES = [
        ("starting_point", _("Ausgangslage")),
        ("goals", _("Ziele")),
        ("implementation", _("Umsetzung")),
        ("results", _("Ergebnisse")),
        ("other", _("Weiteres")),
    ]

    kind = blocks.ChoiceBlock(choices=KIND_CHOICES, default="other", label=_("Abschnitt"))
    heading = blocks.CharBlock(
        required=False,
        label=_("Überschrift"),
        help_text=_("Leer lassen, um den Namen des Abschnitts zu verwenden."),
    )
    content = ContentStreamBlock(label=_("Inhalt"))

    class Meta:
        icon = "doc-full-inverse"
        label = _("Abschnitt")
        template = "blocks/story_section_block.html"
        preview_value = {
            "kind": "starting_point",
            "heading": "",
            "content": [
                ("paragraph", "<p>Die Innenstadt verliert Geschäfte, die Läden stehen leer.</p>")
            ],
        }
        description = _("Ein Abschnitt der Fallgeschichte mit Überschrift und Inhalt")

    def heading_for(self, value):
        return value.get("heading") or dict(self.KIND_CHOICES).get(value.get("kind"), "")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["heading"] = self.heading_for(value)
        return context


class CaseStoryBlock(blocks.StreamBlock):
    # Text is one step: "Text" at the top level, no section around it. A section (a kind such
    # as "Ausgangslage" and a heading) is there for stories told in parts.
    paragraph = paragraph_block()
    section = StorySectionBlock()

    class Meta:
        label = _("Fallgeschichte")
