import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from casestudies.importer import CaseImporter, ImportFailed, read_records
from casestudies.models import CaseLibraryPage
from core.users import user_by_name

NEW_ENTRY_LABELS = {
    "themes": gettext_lazy("Themen"),
    "towns": gettext_lazy("Orte"),
    "funding": gettext_lazy("Förderprogramme"),
    "partners": gettext_lazy("Organisationen"),
}


class Command(BaseCommand):
    help = _(
        "Legt Praxisfälle aus einer JSON-, CSV- oder Excel-Datei an oder aktualisiert sie "
        "(Abgleich über den slug). Eine Datei mit einem fehlerhaften Datensatz ändert nichts."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Pfad zur JSON-, CSV- oder XLSX-Datei"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Nur prüfen, nichts schreiben")
        )
        parser.add_argument(
            "--library",
            help=_("slug der Fallbibliothek, unter der neue Fälle angelegt werden"),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Keinen Fortschrittsbalken zeigen")
        )
        parser.add_argument(
            "--user",
            help=_(
                "Benutzername: jeder Fall wird mit dessen Seitenrechten geprüft (anlegen, "
                "bearbeiten, veröffentlichen); ohne Angabe gilt keine Einschränkung"
            ),
        )

    def handle(self, *args, file, dry_run, library, no_progress, user=None, **options):
        account = user_by_name(user) if user else None
        library_page = None
        if library:
            library_page = CaseLibraryPage.objects.filter(slug=library).first()
            if library_page is None:
                raise CommandError(_("Keine Fallbibliothek mit dem slug „%s“.") % library)
        try:
            records = read_records(file)
            bar = tqdm(
                total=len(records),
                desc=_("Import"),
                unit=_(" Fälle"),
                file=sys.stderr,
                disable=no_progress or options["verbosity"] < 1 or dry_run,
            )

            def progress(done, total):
                bar.update(done - bar.n)

            with bar:
                result = CaseImporter(
                    library=library_page, user=account, source=Path(file).name
                ).run(records, dry_run=dry_run, progress=progress)
        except ImportFailed as failure:
            shown = failure.errors[:50]
            more = len(failure.errors) - len(shown)
            lines = [_("Import abgebrochen, nichts wurde geändert:")] + [f"  {e}" for e in shown]
            if more:
                lines.append(_("  … und %d weitere Fehler") % more)
            raise CommandError("\n".join(lines)) from failure

        if result.drafts:
            self.stdout.write(
                _("%d Fälle nur als Entwurf gespeichert (keine Berechtigung zum Veröffentlichen).")
                % len(result.drafts)
            )
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.write_new_entries(result.new_entries, dry_run)
        if dry_run:
            summary = _(
                "Prüfung bestanden: %(new)d neu, %(upd)d geändert, %(same)d unverändert. "
                "Nichts geschrieben."
            )
        else:
            summary = _("%(new)d angelegt, %(upd)d aktualisiert, %(same)d unverändert.")
        counts = {
            "new": len(result.created),
            "upd": len(result.updated),
            "same": len(result.unchanged),
        }
        self.stdout.write(self.style.SUCCESS(summary % counts))

    def write_new_entries(self, new_entries, dry_run):
        """Every reference entry the file creates (or would create), by kind."""
        if not any(new_entries.values()):
            return
        self.stdout.write(_("Würde neu anlegen:") if dry_run else _("Neu angelegt:"))
        for kind, label in NEW_ENTRY_LABELS.items():
            names = new_entries.get(kind)
            if names:
                self.stdout.write(f"  {label} ({len(names)}): " + "; ".join(names))
