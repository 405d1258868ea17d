from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseSuggestion(models.Model):
    """What a town sent through "Fall vorschlagen". The project details also went into a
    draft case; the contact (never published) stays only here, for the editors to follow up
    and to delete once the suggestion is dealt with."""

    title = models.CharField(_("Titel des Projekts"), max_length=200)
    town = models.CharField(_("Ort"), max_length=120)
    description = models.TextField(_("Kurzbeschreibung"), max_length=2000)
    website = models.URLField(_("Projektwebsite"), blank=True)
    contact_name = models.CharField(_("Name der Ansprechperson"), max_length=120)
    contact_email = models.EmailField(_("E-Mail der Ansprechperson"))
    page = models.ForeignKey(
        "casestudies.CasePage",
        verbose_name=_("Entwurf"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Eingegangen"), auto_now_add=True)

    class Meta:
        verbose_name = _("Fallvorschlag")
        verbose_name_plural = _("Fallvorschläge")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} ({self.town})"
