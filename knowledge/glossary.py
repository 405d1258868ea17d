"""Link the first occurrence of each glossary term in rendered HTML to its glossary entry.

The HTML is split into tags and text and written back unchanged except for text nodes: text
inside links, abbreviations, headings, buttons, code, scripts and <template> elements is left
alone, so the markup is never broken and no link is nested.
"""

import functools
import re
from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext as _

from core.links import page_url
from core.memo import memoised
from core.sites import site_for_request

from .models import GlossaryTermPage

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


# Keyed by the terms a text names (present_terms): a handful of combinations per library.
@functools.lru_cache(maxsize=1024)
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


# Characters for which a case-insensitive regular expression and ``str.casefold`` disagree
# (Turkish dotted and dotless i): a text with one of them is searched for every term.
CASEFOLD_EXCEPTIONS = ("ı", "İ")


@functools.lru_cache(maxsize=4096)
def term_needles(term):
    """The term's forms as they appear in HTML, case-folded, for :func:`present_terms`; None
    if a form holds a character ``casefold`` treats unlike the regular expression."""
    needles = tuple(escape(form, quote=False).casefold() for form in term.forms)
    if any(char in needle for needle in needles for char in CASEFOLD_EXCEPTIONS):
        return None
    return needles


def present_terms(html, terms):
    """The terms (a tuple, in their order) one of whose forms occurs in ``html``, ignoring
    case. A term absent from the text can never match in it, so leaving it out of the
    pattern changes no link, and a text naming no term needs no regular expression at all:
    substring tests in C instead of one case-insensitive alternation over every form."""
    if any(char in html for char in CASEFOLD_EXCEPTIONS):
        return tuple(terms)
    folded = html.casefold()
    found = []
    for term in terms:
        needles = term_needles(term)
        if needles is None or any(needle in folded for needle in needles):
            found.append(term)
    return tuple(found)


# Comments and tags; any other "<" (as in "a < b") is text, as for the HTML parser.
TOKEN = re.compile(r"<!--.*?-->|<[!?]?/?[a-zA-Z][^>]*>", re.DOTALL)
TAG_NAME = re.compile(r"</?\s*([a-zA-Z][^\s/>]*)")


def _link(pattern, owners, terms, seen, text):
    def replace(match):
        key = owners[match.lastgroup]
        if key in seen:
            return match.group(0)
        seen.add(key)
        term = terms[key]
        linked = match.group(0)
        if term.long_form:
            linked = f'<abbr title="{escape(term.long_form)}">{linked}</abbr>'
        hint = escape(_("Glossar"))
        return (
            f'<a class="glossary-link" href="{escape(term.url)}">{linked}'
            f'<span class="visually-hidden"> ({hint})</span></a>'
        )

    return pattern.sub(replace, text)


def link_terms(html, terms, seen=None):
    """``html`` with the first occurrence of each term linked. ``seen`` (a set of term keys)
    carries over between calls, so a term is linked once per page.

    The markup is split into tags and text with one regular expression (much faster than
    the standard library's HTML parser) and written back exactly as it came in; a stack of
    open elements tells whether a text lies inside an element whose text is never linked."""
    if not terms or not html:
        return html
    seen = seen if seen is not None else set()
    html = str(html)
    terms = present_terms(html, terms)
    if not any(term.key not in seen for term in terms):
        return html
    pattern, owners = build_pattern(terms)
    if pattern is None:
        return html
    # Most texts name no term, or only terms linked already: then nothing needs splitting.
    if not any(owners[match.lastgroup] not in seen for match in pattern.finditer(html)):
        return html
    by_key = {term.key: term for term in terms}
    out = []
    stack = []
    skip_depth = 0
    position = 0
    for token in TOKEN.finditer(html):
        text = html[position : token.start()]
        if text:
            linkable = not skip_depth and not by_key.keys() <= seen
            out.append(_link(pattern, owners, by_key, seen, text) if linkable else text)
        markup = token.group(0)
        out.append(markup)
        position = token.end()
        if markup.startswith(("<!", "<?")):
            continue  # comments, declarations, processing instructions
        tag = TAG_NAME.match(markup).group(1).lower()
        if markup.startswith("</"):
            if tag in VOID_TAGS or tag not in stack:
                continue
            while stack:
                open_tag = stack.pop()
                if open_tag in SKIP_TAGS:
                    skip_depth -= 1
                if open_tag == tag:
                    break
        elif not markup.endswith("/>") and tag not in VOID_TAGS:
            stack.append(tag)
            if tag in SKIP_TAGS:
                skip_depth += 1
    text = html[position:]
    if text:
        linkable = not skip_depth and not by_key.keys() <= seen
        out.append(_link(pattern, owners, by_key, seen, text) if linkable else text)
    return "".join(out)


def terms_for_request(request, exclude_page_id=None):
    """The glossary terms to link: the same on every page, so kept per content generation
    (``core.memo``) and site (their URLs are relative to the request's site)."""

    def build():
        return [
            Term(
                key=page.pk,
                forms=tuple(page.forms),
                url=page_url(page, request) or "",
                long_form=page.long_form,
            )
            for page in GlossaryTermPage.objects.live()
            .public()
            .filter(link_in_text=True)
            .only("id", "path", "depth", "url_path", "title", "variants", "long_form")
        ]

    site = site_for_request(request)
    terms = memoised(("knowledge.glossary.terms", getattr(site, "pk", None)), build, request)
    return [term for term in terms if term.key != exclude_page_id and term.url]
