"""Email alerts. A subscription holds only the address, the filter and the timestamps the
double opt-in and the digests need; unsubscribing deletes it."""

import json

from django.db import models
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    class Kind(models.TextChoices):
        CASES = "faelle", _("Neue Praxisfälle")
        EVENTS = "veranstaltungen", _("Kommende Veranstaltungen")

    email = models.EmailField(_("E-Mail-Adresse"))
    kind = models.CharField(_("Art"), max_length=16, choices=Kind.choices)
    filters = models.JSONField(
        _("Filter"),
        default=dict,
        help_text=_("Die Filter der Fallbibliothek bzw. Suche (thema, land, …) oder format."),
    )
    filter_key = models.CharField(max_length=500, editable=False)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("bestätigt"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("zuletzt versandt"), null=True, blank=True)

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        constraints = [
            models.UniqueConstraint(
                fields=["email", "kind", "filter_key"], name="unique_subscription_filter"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @staticmethod
    def canonical(filters):
        """Filters with sorted keys and values, so equal filters compare equal."""
        return {
            key: sorted(set(values)) if isinstance(values, list) else values
            for key, values in sorted(filters.items())
            if values
        }

    @classmethod
    def key_for(cls, filters):
        return json.dumps(cls.canonical(filters), sort_keys=True, ensure_ascii=False)[:500]

    def save(self, *args, **kwargs):
        self.filters = self.canonical(self.filters)
        self.filter_key = self.key_for(self.filters)
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    @property
    def since(self):
        """What is new is counted from the last digest, or from the confirmation."""
        return self.last_sent_at or self.confirmed_at or self.created_at
