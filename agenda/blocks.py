"""Blocks of event pages. The recording reuses the shared click-to-load video block."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from core.blocks import VideoBlock


class QuestionsBlock(blocks.StreamBlock):
    question = blocks.CharBlock(
        label=_("Frage"),
        icon="help",
        max_length=255,
        template="agenda/blocks/question_block.html",
        preview_value="Wie wurde das Losverfahren durchgeführt?",
        description=_("Eine Frage, die besprochen wird"),
    )

    class Meta:
        label = _("Fragen")


class RecordingBlock(blocks.StreamBlock):
    video = VideoBlock()

    class Meta:
        label = _("Aufzeichnung")
        max_num = 1
