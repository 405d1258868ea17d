"""Subscribe (double opt-in), confirm and unsubscribe (one click, also by List-Unsubscribe)."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.visitor_forms import RATE_LIMITED, over_rate, same_origin_post

from .digest import describe, send_confirmation
from .forms import SubscribeForm
from .models import Subscription
from .tokens import CONFIRM_SALT, UNSUBSCRIBE_SALT, confirm_max_age, read_token

logger = logging.getLogger(__name__)


def _initial_from_query(params):
    """Prefill the form from library/search filter parameters (?thema=wohnen&land=NI), and
    the library the link was on (?bibliothek=3)."""
    initial = {}
    if params.get("art") in Subscription.Kind.values:
        initial["art"] = params["art"]
    for name in ("thema", "land", "groesse", "format"):
        if params.getlist(name):
            initial[name] = params.getlist(name)
    if params.get("q"):
        initial["q"] = params["q"][:200]
    if params.get("bibliothek", "").isdigit():
        initial["bibliothek"] = params["bibliothek"]
    return initial


def _too_many(request, form, by_address=False):
    """Too many subscriptions from one address or for one e-mail address."""
    logger.warning("Alert subscription rate limit reached (%s)", "e-mail" if by_address else "ip")
    form.add_error(
        None,
        _("Zu viele Anmeldungen in kurzer Zeit. Bitte versuchen Sie es in einer Stunde erneut."),
    )
    return render(request, "alerts/subscribe.html", {"form": form}, status=RATE_LIMITED)


def _over_ip_rate(request):
    return over_rate(request, "alerts:subscribe:ip", settings.ALERTS_RATE_PER_IP)


def _over_address_rate(request, email):
    return over_rate(
        request,
        "alerts:subscribe:email",
        settings.ALERTS_RATE_PER_EMAIL,
        key=lambda _group, _request: email.lower(),
    )


@same_origin_post
@never_cache
def subscribe(request):
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if _over_ip_rate(request):
            return _too_many(request, form)
        if form.is_valid():
            if _over_address_rate(request, form.cleaned_data["email"].strip()):
                return _too_many(request, form, by_address=True)
            subscription = _get_or_create(
                form.cleaned_data["email"].strip(),
                form.cleaned_data["art"],
                form.subscription_filters(),
            )
            send_confirmation(subscription, request)
            logger.info("Alert subscription %s requested (%s)", subscription.pk, subscription.kind)
            # The same answer whether the address was new or known: nothing to enumerate.
            return render(
                request,
                "alerts/pending.html",
                {"description": describe(subscription)},
            )
        status = 400
    else:
        form = SubscribeForm(initial=_initial_from_query(request.GET))
        status = 200
    return render(request, "alerts/subscribe.html", {"form": form}, status=status)


def _get_or_create(email, kind, filters):
    lookup = {"email": email.lower(), "kind": kind, "filter_key": Subscription.key_for(filters)}
    existing = Subscription.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            subscription = Subscription(email=lookup["email"], kind=kind, filters=filters)
            subscription.save()
            return subscription
    except IntegrityError:  # a parallel request created it
        return Subscription.objects.get(**lookup)


@same_origin_post
@never_cache
def confirm(request, token):
    """Opening the link shows a button; only pressing it (a POST) confirms, so a mail
    scanner that follows links cannot subscribe anyone."""
    subscription = read_token(token, CONFIRM_SALT, max_age=confirm_max_age())
    if subscription is None:
        return render(request, "alerts/invalid.html", status=404)
    if request.method != "POST" and not subscription.is_confirmed:
        return render(
            request,
            "alerts/confirm.html",
            {"description": describe(subscription), "token": token},
        )
    if not subscription.is_confirmed:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
        logger.info("Alert subscription %s confirmed", subscription.pk)
    return render(
        request,
        "alerts/confirmed.html",
        {"description": describe(subscription), "subscription": subscription},
    )


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST without a CSRF token
@never_cache
def unsubscribe(request, token):
    subscription = read_token(token, UNSUBSCRIBE_SALT)
    if request.method == "POST":
        if subscription is not None:
            pk = subscription.pk
            subscription.delete()
            logger.info("Alert subscription %s deleted on unsubscribe", pk)
        # Already gone is fine: the address is not stored either way.
        return render(request, "alerts/unsubscribed.html")
    if subscription is None:
        return render(request, "alerts/unsubscribed.html")
    return render(
        request,
        "alerts/unsubscribe.html",
        {"description": describe(subscription), "token": token},
    )
