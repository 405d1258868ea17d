"""Control characters: removed from text fields when saved and from every XML answer.

A vertical tab or form feed pasted from a word processor means nothing in a title, and XML
1.0 cannot carry it at all: a feed or an oEmbed XML answer with one fails (a 500, or XML that
does not parse). Tab, line feed and carriage return stay.
"""

import re

from django.db.models import CharField, TextField
from wagtail.fields import StreamField
from wagtail.models import Page

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Only the site's own models and Wagtail's pages are cleaned (not sessions, logs, tokens).
CLEANED_APP_LABELS = {
    "agenda",
    "alerts",
    "casestudies",
    "core",
    "editorial",
    "home",
    "knowledge",
    "partners",
    "search",
    "transfer",
    "wagtailcore",
    "wagtaildocs",
    "wagtailimages",
    "taggit",
}


def strip_control(text):
    """The text without control characters (tab, line feed, carriage return stay)."""
    if not isinstance(text, str):
        return text
    return CONTROL_CHARACTERS.sub("", text)


def xml_safe(value):
    """A value for an XML document: strings (also in lists and tuples) without the
    characters XML 1.0 forbids."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    return value


def strip_control_on_save(sender, instance, raw=False, **kwargs):
    """pre_save: control characters out of every text field of the site's models, and out of
    the text inside their StreamFields."""
    if raw or sender._meta.app_label not in CLEANED_APP_LABELS and not _is_page(sender):
        return
    deferred = instance.get_deferred_fields()
    for field in sender._meta.concrete_fields:
        if isinstance(field, CharField | TextField):
            value = getattr(instance, field.attname, None)
            if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                setattr(instance, field.attname, strip_control(value))
        elif isinstance(field, StreamField) and field.attname not in deferred:
            _strip_control_in_stream(instance, field)


def _strip_control_in_stream(instance, field):
    """StreamField: the text of every block (headings, paragraphs, captions, quotes, also
    nested in structs and streams), through the block's JSON form (``get_prep_value``)."""
    value = getattr(instance, field.attname, None)
    if value is None or isinstance(value, str):
        return
    raw = field.get_prep_value(value)
    if not isinstance(raw, list):
        return
    cleaned = strip_control_in_json(raw)
    if cleaned != raw:
        setattr(instance, field.attname, cleaned)


def strip_control_in_json(value):
    """Every string in JSON-like data (dicts, lists) without control characters; keys,
    numbers and the structure stay."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, list):
        return [strip_control_in_json(item) for item in value]
    if isinstance(value, dict):
        return {key: strip_control_in_json(item) for key, item in value.items()}
    return value


def _is_page(model):
    return issubclass(model, Page)
