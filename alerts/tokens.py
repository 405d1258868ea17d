"""Signed links for confirming and cancelling a subscription. Nothing is stored for them:
the link carries the subscription's id and a hash of its address, signed with SECRET_KEY."""

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from .models import Subscription

CONFIRM_SALT = "alerts.confirm"
UNSUBSCRIBE_SALT = "alerts.unsubscribe"


def _fingerprint(subscription):
    return salted_hmac("alerts.address", subscription.email.lower()).hexdigest()[:16]


def make_token(subscription, salt):
    return signing.dumps([subscription.pk, _fingerprint(subscription)], salt=salt, compress=True)


def read_token(token, salt, max_age=None):
    """The subscription a token names, or None if the token is bad, expired or the
    subscription is gone."""
    try:
        pk, fingerprint = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    subscription = Subscription.objects.filter(pk=pk).first()
    if subscription is None or _fingerprint(subscription) != fingerprint:
        return None
    return subscription


def confirm_max_age():
    return getattr(settings, "ALERTS_CONFIRM_DAYS", 7) * 24 * 3600
