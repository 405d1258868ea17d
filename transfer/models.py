"""An upload to the importer: the records, the dry run's findings and the progress of the
import, kept as the record of who imported what."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        INVALID = "invalid", _("fehlerhaft, nichts importiert")
        CHECKED = "checked", _("geprüft, wartet auf Bestätigung")
        RUNNING = "running", _("läuft")
        DONE = "done", _("abgeschlossen")
        FAILED = "failed", _("abgebrochen")

    file_name = models.CharField(_("Datei"), max_length=255)
    file_format = models.CharField(_("Format"), max_length=8)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("hochgeladen"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestartet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices)
    # The file's records as read (raw), so the import runs on exactly what was checked.
    records = models.JSONField(_("Datensätze"), default=list)
    # One row per valid record: number, slug, title, action, changed fields, publish.
    preview = models.JSONField(_("Vorschau"), default=list)
    # Row-level errors: number, name (slug or title), field, message.
    errors = models.JSONField(_("Fehler"), default=list)
    total = models.PositiveIntegerField(_("Datensätze gesamt"), default=0)
    processed = models.PositiveIntegerField(_("verarbeitet"), default=0)
    created_count = models.PositiveIntegerField(_("neu"), default=0)
    updated_count = models.PositiveIntegerField(_("geändert"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unverändert"), default=0)
    draft_count = models.PositiveIntegerField(_("als Entwurf"), default=0)
    message = models.TextField(_("Meldung"), blank=True)

    class Meta:
        verbose_name = _("Import")
        verbose_name_plural = _("Importe")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("import_cases", _("Praxisfälle importieren und die Fallbibliothek exportieren")),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%d.%m.%Y %H:%M})"

    @property
    def is_tabular(self):
        return self.file_format in ("csv", "xlsx")

    def row_label(self, number):
        """Records are counted from 1; in a CSV or Excel file the header is line 1."""
        return number + 1 if self.is_tabular else number

    @property
    def percent(self):
        return round(100 * self.processed / self.total) if self.total else 100

    def status_json(self):
        return {
            "status": self.status,
            "status_label": str(self.get_status_display()),
            "total": self.total,
            "processed": self.processed,
            "created": self.created_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "drafts": self.draft_count,
            "errors": self.errors,
            "message": self.message,
            "progress_text": self.progress_text(),
        }

    def progress_text(self):
        return gettext(
            "%(done)d von %(total)d Datensätzen verarbeitet. Neu: %(new)d, geändert: "
            "%(changed)d, unverändert: %(same)d, davon als Entwurf: %(drafts)d."
        ) % {
            "done": self.processed,
            "total": self.total,
            "new": self.created_count,
            "changed": self.updated_count,
            "same": self.unchanged_count,
            "drafts": self.draft_count,
        }
