from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from alerts.digest import purge_unconfirmed, send_digests


class Command(BaseCommand):
    help = _(
        "Versendet je bestätigter Benachrichtigung, was seit dem letzten Versand neu ist, und "
        "löscht nie bestätigte Anmeldungen nach Ablauf der Bestätigungsfrist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Nur zählen, nichts versenden.")
        )

    def handle(self, *args, dry_run=False, **options):
        purged = 0 if dry_run else purge_unconfirmed()
        sent, empty, failed = send_digests(dry_run=dry_run)
        self.stdout.write(
            _(
                "Benachrichtigungen: %(sent)d versandt, %(empty)d ohne Neuigkeiten, "
                "%(failed)d fehlgeschlagen, %(purged)d unbestätigte gelöscht."
            )
            % {"sent": sent, "empty": empty, "failed": failed, "purged": purged}
        )
        if failed:
            raise SystemExit(1)
