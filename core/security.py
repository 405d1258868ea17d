"""Security headers, the client address, and the answer when the database is unreachable.

- :class:`SecurityHeadersMiddleware` writes one Content-Security-Policy per response
  (django-csp): ``CONTENT_SECURITY_POLICY`` for the site, ``CONTENT_SECURITY_POLICY_ADMIN``
  for the Wagtail and Django admin. ``frame-ancestors`` is decided per response by
  ``partners.middleware.PartnerHeadersMiddleware`` (embeds ``*``, previews ``'self'``,
  everything else ``'none'``) through :func:`set_frame_ancestors`; it goes into the policy
  through ``get_policy_parts``, the extension point django-csp documents for subclasses
  (its own per-response attributes are private). It also adds ``Permissions-Policy``.
- :func:`client_ip` is the visitor's address for login throttling and rate limits, taking
  ``PROXY_COUNT`` reverse proxies into account.
- :class:`DatabaseUnavailableMiddleware` and :func:`server_error` answer with a static
  German 503 page (JSON under /api/) and ``Retry-After`` when the database cannot be reached,
  without touching the database again.
"""

import json
import logging
import sys

from axes.handlers.proxy import AxesProxyHandler
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.translation import gettext as _
from django.views.defaults import server_error as default_server_error
from wagtail.views import authenticate_with_password

from .params import is_query_syntax_error

logger = logging.getLogger(__name__)

ADMIN_PREFIXES = ("/admin/", "/django-admin/")
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 120


def is_outage(exception):
    """A database error that means the database cannot be reached, not a query it refused
    (a full-text query with a syntax error raises OperationalError on SQLite too)."""
    return isinstance(exception, DATABASE_ERRORS) and not is_query_syntax_error(exception)


def is_admin_path(path):
    return path.startswith(ADMIN_PREFIXES)


def set_frame_ancestors(response, source):
    """Who may frame this response (``frame-ancestors``): ``*``, ``'self'`` or ``'none'``."""
    response.frame_ancestors = source
    return response


class SecurityHeadersMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        if parts.config is None and is_admin_path(request.path_info):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        source = getattr(response, "frame_ancestors", None)
        if source:
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [source]}
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if getattr(settings, "PERMISSIONS_POLICY", ""):
            response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def client_ip(request):
    """The visitor's address: REMOTE_ADDR, or behind ``PROXY_COUNT`` proxies the address the
    outermost trusted proxy saw (counted from the right of X-Forwarded-For, which a client
    cannot forge)."""
    count = getattr(settings, "PROXY_COUNT", 0)
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a key, not a bind


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes: the page after too many failed admin logins (429, German)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME * 60))
    response = HttpResponse(
        loader.get_template("security/login_locked_out.html").render(
            {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}, request
        ),
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


def database_unavailable_response(request):
    """503 without any database access: a static page, JSON for the API."""
    if request.path_info.startswith("/api/"):
        response = HttpResponse(
            json.dumps(
                {
                    "detail": _(
                        "Der Dienst ist vorübergehend nicht erreichbar. "
                        "Bitte versuchen Sie es in einigen Minuten erneut."
                    )
                },
                ensure_ascii=False,
            ),
            content_type="application/json; charset=utf-8",
            status=503,
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database connection failure raised in a view into a 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            logger.error("Database unavailable: %s", exception)
            return database_unavailable_response(request)
        return None


def server_error(request, template_name="500.html"):
    """handler500: a database failure outside a view (in a middleware) is a 503 as well."""
    exception = sys.exc_info()[1]
    if is_outage(exception):
        logger.error("Database unavailable: %s", exception)
        return database_unavailable_response(request)
    try:
        return default_server_error(request, template_name)
    except DATABASE_ERRORS:
        return HttpResponseServerError()


class PagePasswordThrottleMiddleware:
    """Page passwords (Wagtail's ``authenticate_with_password``) under the admin login's
    policy: django-axes counts each wrong password as a failed login of the user name
    ``page-password:<restriction id>`` from the client's address; after AXES_FAILURE_LIMIT
    failures that pair is locked for AXES_COOLOFF_MINUTES (the same 429 page), and the right
    password resets the count."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not authenticate_with_password or request.method != "POST":
            return None
        restriction_id = view_kwargs.get("page_view_restriction_id")
        credentials = {"username": f"page-password:{restriction_id}"}
        if AxesProxyHandler.is_locked(request, credentials):
            return login_locked_out(request, credentials=credentials)
        response = view_func(request, *view_args, **view_kwargs)
        if response.status_code in (301, 302):  # the password was right: Wagtail redirects
            AxesProxyHandler.reset_attempts(
                ip_address=client_ip(request), username=credentials["username"]
            )
            return response
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return login_locked_out(request, credentials=credentials)
        return response
