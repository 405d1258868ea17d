"""'Fall vorschlagen': the public form. No cookies (CSRF by origin headers, as the alerts
form), a rate limit per address, a trap field and a minimum time instead of a captcha."""

import logging

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.visitor_forms import RATE_LIMITED, over_rate, same_origin_post

from .drafts import create_suggestion
from .forms import SuggestionForm

logger = logging.getLogger(__name__)

TEMPLATE = "suggestions/suggest.html"


def _over_rate(request):
    return over_rate(request, "suggestions:suggest:ip", settings.SUGGESTIONS_RATE_PER_IP)


@same_origin_post
@never_cache
def suggest(request):
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": SuggestionForm()})
    form = SuggestionForm(request.POST)
    if _over_rate(request):
        logger.warning("Case suggestion rate limit reached")
        form.restart()
        form.add_error(
            None,
            _("Zu viele Vorschläge in kurzer Zeit. Bitte versuchen Sie es in einer Stunde erneut."),
        )
        return render(request, TEMPLATE, {"form": form}, status=RATE_LIMITED)
    if form.is_trap_filled():
        # Looks like success to the bot; nothing is stored or sent.
        logger.info("Case suggestion refused: trap field filled in")
        return render(request, "suggestions/thanks.html")
    if form.is_valid() and form.sent_too_fast():
        form.add_error(
            None,
            _(
                "Das Formular wurde sehr schnell oder nach langer Zeit abgeschickt. Bitte prüfen "
                "Sie Ihre Angaben und senden Sie es noch einmal."
            ),
        )
    if not form.is_valid():
        form.restart()
        return render(request, TEMPLATE, {"form": form}, status=400)
    suggestion = create_suggestion(form.cleaned_data)
    logger.info("Case suggestion %s received (draft %s)", suggestion.pk, suggestion.page_id)
    return render(request, "suggestions/thanks.html", {"suggestion": suggestion})
