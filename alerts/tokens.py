"""Signed links for confirming and cancelling a subscription (core.tokens). Nothing is
stored for them: the link carries the subscription's id and a hash of its address."""

from django.conf import settings
from django.utils.crypto import salted_hmac

from core.tokens import make_object_token, read_object_token

from .models import Subscription

CONFIRM_SALT = "alerts.confirm"
UNSUBSCRIBE_SALT = "alerts.unsubscribe"


def _fingerprint(subscription):
    return salted_hmac("alerts.address", subscription.email.lower()).hexdigest()[:16]


def make_token(subscription, salt):
    return make_object_token(subscription, salt, _fingerprint)


def read_token(token, salt, max_age=None):
    """The subscription a token names, or None if the token is bad, expired or the
    subscription is gone."""
    return read_object_token(token, salt, Subscription.objects.all(), _fingerprint, max_age)


def confirm_max_age():
    return getattr(settings, "ALERTS_CONFIRM_DAYS", 7) * 24 * 3600
