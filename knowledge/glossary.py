"""Link the first occurrence of each glossary term in rendered HTML to its glossary entry.

The HTML is walked with the standard library's parser and written back unchanged except
for text nodes: text inside links, abbreviations, headings, buttons, code, scripts and
<template> elements is left alone, so the markup is never broken and no link is nested.
"""

import functools
import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from django.utils.translation import gettext as _

# Text inside these elements is never linked.
SKIP_TAGS = {
    "a",
    "abbr",
    "button",
    "code",
    "dfn",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "label",
    "option",
    "pre",
    "script",
    "select",
    "style",
    "template",
    "textarea",
    "title",
}
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# Common German endings, so "Reallabors" and "interkommunalen" link too.
SUFFIX = r"(?:e|en|er|ern|es|n|s)?"


@dataclass(frozen=True)
class Term:
    key: int  # the term page's id
    forms: tuple
    url: str
    long_form: str = ""


@functools.lru_cache(maxsize=64)
def build_pattern(terms):
    """One regular expression for all forms, longest first; group name -> term key."""
    alternatives = []
    for term in terms:
        for form in term.forms:
            alternatives.append((form, term.key))
    alternatives.sort(key=lambda item: -len(item[0]))
    if not alternatives:
        return None, {}
    parts = []
    owners = {}
    for index, (form, key) in enumerate(alternatives):
        name = f"t{index}"
        owners[name] = key
        parts.append(f"(?P<{name}>{re.escape(escape(form, quote=False))}{SUFFIX})")
    pattern = re.compile(r"(?<![\w&-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)
    return pattern, owners


class _Linker(HTMLParser):
    def __init__(self, terms, seen):
        super().__init__(convert_charrefs=False)
        self.terms = {term.key: term for term in terms}
        self.pattern, self.owners = build_pattern(tuple(terms))
        self.seen = seen
        self.out = []
        self.skip_depth = 0
        self.stack = []

    # Markup is written back exactly as it came in.
    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in VOID_TAGS:
            return
        self.stack.append(tag)
        if tag in SKIP_TAGS:
            self.skip_depth += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in VOID_TAGS or tag not in self.stack:
            return
        while self.stack:
            open_tag = self.stack.pop()
            if open_tag in SKIP_TAGS:
                self.skip_depth -= 1
            if open_tag == tag:
                break

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")

    def handle_data(self, data):
        if self.skip_depth or self.pattern is None or len(self.seen) == len(self.terms):
            self.out.append(data)
            return
        self.out.append(self.pattern.sub(self._replace, data))

    def _replace(self, match):
        key = self.owners[match.lastgroup]
        if key in self.seen:
            return match.group(0)
        self.seen.add(key)
        term = self.terms[key]
        text = match.group(0)
        if term.long_form:
            text = f'<abbr title="{escape(term.long_form)}">{text}</abbr>'
        hint = escape(_("Glossar"))
        return (
            f'<a class="glossary-link" href="{escape(term.url)}">{text}'
            f'<span class="visually-hidden"> ({hint})</span></a>'
        )


def link_terms(html, terms, seen=None):
    """``html`` with the first occurrence of each term linked. ``seen`` (a set of term keys)
    carries over between calls, so a term is linked once per page."""
    if not terms or not html:
        return html
    seen = seen if seen is not None else set()
    pattern, owners = build_pattern(tuple(terms))
    if pattern is None:
        return html
    # Most texts name no term, or only terms linked already: then nothing needs parsing.
    if not any(owners[match.lastgroup] not in seen for match in pattern.finditer(str(html))):
        return html
    linker = _Linker(terms, seen)
    linker.feed(str(html))
    linker.close()
    # Anything the parser still holds back (an unfinished tag at the end) is kept as it was.
    rawdata = getattr(linker, "rawdata", "")
    return "".join(linker.out) + rawdata


def terms_for_request(request, exclude_page_id=None):
    """The glossary terms to link: the same on every page, so kept per content generation
    (``core.memo``) and site (their URLs are relative to the request's site)."""
    from wagtail.models import Site

    from core.memo import memoised

    from .models import GlossaryTermPage

    def build():
        return [
            Term(
                key=page.pk,
                forms=tuple(page.forms),
                url=page.get_url(request=request) or "",
                long_form=page.long_form,
            )
            for page in GlossaryTermPage.objects.live()
            .public()
            .filter(link_in_text=True)
            .only("id", "path", "depth", "url_path", "title", "variants", "long_form")
        ]

    site = Site.find_for_request(request) if request is not None else None
    terms = memoised(("knowledge.glossary.terms", getattr(site, "pk", None)), build, request)
    return [term for term in terms if term.key != exclude_page_id and term.url]
