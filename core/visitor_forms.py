"""What the public forms visitors send have in common (alerts' subscription, "Fall
vorschlagen"): CSRF protection by origin headers, rate limits per address, and accessible
fields (help and errors announced with the field). The templates are in
``templates/components/form_*.html``."""

import logging
from functools import wraps

from django.conf import settings
from django.http import HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)

RATE_LIMITED = 429


def is_same_origin(request):
    """Whether a browser sent this request from a page of this site. Browsers set
    Sec-Fetch-Site (and Origin on every POST) themselves; a page elsewhere cannot forge them.
    Clients that send neither (no browser) are not the cross-site case CSRF is about."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin == f"{request.scheme}://{request.get_host()}" or origin in getattr(
        settings, "CSRF_TRUSTED_ORIGINS", []
    )


def same_origin_post(view):
    """CSRF protection without a cookie for the visitors' forms: a POST from another site is
    refused by its headers (as above). Django's token check would set a csrftoken cookie for
    every anonymous visitor who opens the form, and the site sets no cookies for them."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not is_same_origin(request):
            logger.warning("Cross-site POST to %s refused", request.path)
            return HttpResponseForbidden(
                _("Dieses Formular kann nur auf dieser Website abgeschickt werden."),
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)


def over_rate(request, group, rate, key="ip"):
    """Count this POST against ``rate`` (django-ratelimit, in the shared cache) and say
    whether the limit is reached. ``key`` is "ip" or a callable as django-ratelimit takes."""
    return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


class AccessibleFormMixin:
    """Screen readers announce a field's help and error with the field itself: each widget
    is described by the ``id_<name>-help`` and ``id_<name>-error`` elements that
    ``components/form_field.html`` writes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_fields()

    def full_clean(self):
        super().full_clean()
        self._describe_fields()

    def _describe_fields(self):
        errors = self._errors or {}
        for name, field in self.fields.items():
            ids = [f"id_{name}-help"] if field.help_text else []
            if name in errors:
                ids.append(f"id_{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
