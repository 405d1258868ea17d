"""Who may frame our pages, and which responses are shared with other origins.

Every response gets ``frame-ancestors 'none'`` in its Content-Security-Policy and
``X-Frame-Options: DENY``, except:

- responses of the embed views (marked with :func:`embeddable`): ``frame-ancestors *``,
  no X-Frame-Options, so any partner site can show them in an iframe;
- responses a view marked SAMEORIGIN, and the page Wagtail renders for its preview (the
  admin's preview panel frames it): ``frame-ancestors 'self'``, ``X-Frame-Options:
  SAMEORIGIN``. Wagtail renders a preview through the whole middleware chain a second time
  (``make_preview_request``, a request marked ``is_preview``); that inner response's policy
  is the one the browser gets, so the inner pass must already allow the admin's frame.

Responses marked with :func:`public_data` (embeds, oEmbed, feeds, exports, API) are read
cross-origin (``Access-Control-Allow-Origin: *``) and never set a cookie, whatever the
session or CSRF middleware did.

The directive is handed to the site's Content-Security-Policy (django-csp, written by
``core.security.SecurityHeadersMiddleware`` outside this middleware, see
``core.security.set_frame_ancestors``), so every response has exactly one policy.
"""

from functools import wraps

from core.security import set_frame_ancestors

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type",
    "Access-Control-Max-Age": "86400",
}


def mark_public_data(response, embeddable=False):
    response.partners_public_data = True
    response.partners_embeddable = embeddable
    return response


def public_data(view_func):
    """A read-only response for reuse elsewhere: CORS for GET, no cookies."""

    @wraps(view_func)
    def wrapper(*args, **kwargs):
        return mark_public_data(view_func(*args, **kwargs))

    return wrapper


def embeddable(view_func):
    """Like :func:`public_data`, and any site may frame the response."""

    @wraps(view_func)
    def wrapper(*args, **kwargs):
        return mark_public_data(view_func(*args, **kwargs), embeddable=True)

    return wrapper


class PartnerHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "partners_embeddable", False):
            source = "*"
            if "X-Frame-Options" in response:
                del response["X-Frame-Options"]
        elif getattr(request, "is_preview", False):
            source = "'self'"
            response["X-Frame-Options"] = "SAMEORIGIN"
        elif response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            source = "'self'"
        else:
            source = "'none'"
            response["X-Frame-Options"] = "DENY"
        set_frame_ancestors(response, source)
        if getattr(response, "partners_public_data", False):
            for header, value in CORS_HEADERS.items():
                response[header] = value
            response.cookies.clear()
            # Nothing here depends on a cookie: a cache may serve it to everyone.
            if response.has_header("Vary"):
                vary = [v.strip() for v in response["Vary"].split(",")]
                vary = [v for v in vary if v and v.lower() != "cookie"]
                if vary:
                    response["Vary"] = ", ".join(vary)
                else:
                    del response["Vary"]
        return response
