"""Signed tokens for links in e-mails and forms, built on :mod:`django.core.signing`: the one
way the apps make and check them (alerts' confirm/unsubscribe links, editorial's "Angaben sind
aktuell" link, the suggestion form's start time).

Nothing is stored for a token: it carries its payload, signed with SECRET_KEY and a salt per
purpose, so a token made for one purpose is refused for another. An object token also
carries a fingerprint of the object's state (an address, a date); when the state changes, the
token is void, which makes a link single-use without a table of used links.
"""

from django.core import signing


def make_token(payload, salt):
    return signing.dumps(payload, salt=salt, compress=True)


def read_token(token, salt, max_age=None, default=None):
    """The payload, or ``default`` when the token is forged, for another purpose or older
    than ``max_age`` seconds."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return default


def make_object_token(obj, salt, fingerprint):
    """A token for ``obj``, valid while ``fingerprint(obj)`` stays the same."""
    return make_token([obj.pk, fingerprint(obj)], salt)


def read_object_token(token, salt, queryset, fingerprint, max_age=None):
    """The object of ``queryset`` a token names, or ``None`` when the token is bad or expired,
    the object is gone or its fingerprint has changed since."""
    payload = read_token(token, salt, max_age)
    if not isinstance(payload, list) or len(payload) != 2:
        return None
    pk, expected = payload
    obj = queryset.filter(pk=pk).first()
    if obj is None or fingerprint(obj) != expected:
        return None
    return obj
