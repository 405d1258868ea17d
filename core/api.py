"""The site's one API framework: Django REST framework, documented by drf-spectacular.

DRF is already here because Wagtail's API v2 (/api/v2/, partners/api.py) is built on it; the
search API (search/api.py) uses it as well, so both share one way of rendering JSON, one
error shape (``{"detail": "..."}``) and one generated OpenAPI document (/api/openapi.json).

The public JSON views answer every client the same way: no authentication (a stray
``Authorization`` header is not a 401), JSON whatever the ``Accept`` header says (no 406 for
a browser or a monitor that asks for text/html), GET and HEAD only (monitors and link
checkers ask with HEAD).

Plain Django views that are part of the documented interface (exports, feeds, oEmbed) keep
serving as they are; :func:`documented` only shows them to the schema generator.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Always the first parser and renderer: the API speaks JSON to everyone."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class UTF8JSONRenderer(JSONRenderer):
    """JSON with the charset in the Content-Type, as every other answer of the site."""

    charset = "utf-8"


class PublicAPIView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [UTF8JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation
    http_method_names = ["get", "head"]


def documented(**schema):
    """Decorator: document a plain Django view in the OpenAPI document (``extend_schema``
    arguments) without changing how it serves. The schema generator only knows DRF views, so
    the view is wrapped in one whose ``get`` carries the description; requests go straight to
    the Django view, with its own decorators, errors and content types."""

    def decorate(view):
        class DocumentedView(APIView):
            @extend_schema(**{"operation_id": view.__name__, **schema})
            def get(self, request, *args, **kwargs):
                raise NotImplementedError  # dispatch() never calls it

            def dispatch(self, request, *args, **kwargs):
                return view(request, *args, **kwargs)

        DocumentedView.__name__ = DocumentedView.__qualname__ = f"{view.__name__}_documented"
        DocumentedView.__module__ = view.__module__
        wrapper = DocumentedView.as_view()
        wrapper.__doc__ = view.__doc__
        wrapper.__name__ = view.__name__
        return wrapper

    return decorate


def public_endpoints(endpoints):
    """drf-spectacular preprocessing hook: the document describes the public API only, not
    the Wagtail admin's internal API (also built on DRF)."""
    return [
        endpoint
        for endpoint in endpoints
        if not endpoint[0].startswith(("/admin/", "/django-admin/"))
    ]
