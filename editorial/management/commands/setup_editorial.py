from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from editorial.demo import ensure_demo_partners, ensure_demo_users
from editorial.setup import WORKFLOW_NAME, ensure_groups


class Command(BaseCommand):
    help = _(
        "Legt die Gruppen Redaktion, Moderation und Administration mit ihren Rechten und den "
        "Workflow „Redaktionelle Prüfung“ an (mehrfach ausführbar). --demo legt zusätzlich "
        "zwei Partnerbereiche mit je einem Fall an, --demo-users (nur in der Entwicklung) "
        "je Rolle einen Zugang."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true")
        parser.add_argument("--demo-users", action="store_true")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, demo, demo_users, url, **options):
        verbose = options["verbosity"] > 0
        groups = ensure_groups()
        if verbose:
            self.stdout.write(
                _("Gruppen: %(groups)s; Workflow „%(workflow)s“ an der Fallbibliothek.")
                % {"groups": ", ".join(groups), "workflow": WORKFLOW_NAME}
            )
        if demo:
            created = ensure_demo_partners()
            if verbose:
                self.stdout.write(_("Partnerbereiche: %(n)d Fälle neu.") % {"n": created})
        if demo_users:
            if not settings.DEBUG:
                raise CommandError(_("Demo-Zugänge gibt es nur in der Entwicklung (DEBUG=True)."))
            for username, group, password in ensure_demo_users():
                self.stdout.write(
                    self.style.SUCCESS(
                        _("%(group)s: %(url)s  Benutzer: %(user)s  Passwort: %(password)s")
                        % {"group": group, "url": url, "user": username, "password": password}
                    )
                )
