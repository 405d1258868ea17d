"""Rich text from outside the editor (imports, the library import) cleaned to what the editor
allows: the same conversion Wagtail applies to what an editor saves (``EditorHTMLConverter``
with its whitelist for the block's features), so ``<script>``, ``<iframe>``, event handler
attributes and foreign markup do not survive.
"""

from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter
from wagtail.blocks import ListBlock, RichTextBlock, StreamBlock, StructBlock

from .blocks import RICH_TEXT_FEATURES

_converters = {}


def clean_rich_text(html, features=None):
    """``html`` reduced to the elements and attributes of the editor's ``features``."""
    if not html:
        return html or ""
    key = tuple(features or RICH_TEXT_FEATURES)
    converter = _converters.get(key)
    if converter is None:
        converter = _converters[key] = EditorHTMLConverter(features=list(key))
    return converter.to_database_format(str(html))


def clean_stream_data(block, data):
    """Raw StreamField data (as stored: lists of ``{"type", "value"}``) with every rich text
    value cleaned for the features of its block."""
    if isinstance(block, RichTextBlock):
        return clean_rich_text(data, block.features)
    if isinstance(block, StreamBlock) and isinstance(data, list):
        cleaned = []
        for item in data:
            child = block.child_blocks.get(item.get("type")) if isinstance(item, dict) else None
            if child is None:
                cleaned.append(item)
                continue
            cleaned.append({**item, "value": clean_stream_data(child, item.get("value"))})
        return cleaned
    if isinstance(block, StructBlock) and isinstance(data, dict):
        return {
            name: clean_stream_data(block.child_blocks[name], value)
            if name in block.child_blocks
            else value
            for name, value in data.items()
        }
    if isinstance(block, ListBlock) and isinstance(data, list):
        return [
            {**item, "value": clean_stream_data(block.child_block, item.get("value"))}
            if isinstance(item, dict) and "value" in item and "type" in item
            else clean_stream_data(block.child_block, item)
            for item in data
        ]
    return data
