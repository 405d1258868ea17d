from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from editorial.checks import due_cases, reminder_for, running_past_end, send_reminder


class Command(BaseCommand):
    help = _(
        "Listet veröffentlichte Fälle, deren „Zuletzt geprüft“ älter ist als --months Monate "
        "(Standard: CASE_CHECK_MAX_AGE_MONTHS) oder fehlt. Mit --send erhalten die Kontakte "
        "des Falls (oder, ohne Kontakt-E-Mail, die Redaktion) eine Erinnerung; --dry-run "
        "zeigt nur, wer sie bekäme."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None)
        parser.add_argument("--send", action="store_true")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, months, send, dry_run, **options):
        months = settings.CASE_CHECK_MAX_AGE_MONTHS if months is None else months
        cases = list(due_cases(months))
        sent = 0
        for page in cases:
            checked = page.last_checked.isoformat() if page.last_checked else _("nie")
            line = f"{page.pk}\t{checked}\t{page.title}"
            if running_past_end(page):
                line += "\t" + _("laufend, Zeitraum %(period)s vorbei") % {"period": page.period}
            if send and not dry_run:
                recipients, kind = send_reminder(page, months)
                sent += bool(recipients)
            elif send or dry_run:
                recipients, _subject, _body, kind = reminder_for(page, months)
            else:
                recipients, kind = [], ""
            if recipients:
                arrow = "(→)" if dry_run else "→"
                line += f"\t{arrow} {kind}: " + ", ".join(recipients)
            elif send or dry_run:
                line += "\t" + _("keine Empfänger")
            self.stdout.write(line)
        summary = _("%(n)d Fälle zur Prüfung fällig (älter als %(months)d Monate).") % {
            "n": len(cases),
            "months": months,
        }
        if send and not dry_run:
            summary += " " + _("%(sent)d Erinnerungen verschickt.") % {"sent": sent}
        self.stdout.write(self.style.SUCCESS(summary))
