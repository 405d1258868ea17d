from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casestudies.models import Organisation
from editorial.setup import ensure_partner


class Command(BaseCommand):
    help = _(
        "Legt für eine Partnerorganisation einen Bereich unter der Fallbibliothek, eine eigene "
        "Sammlung für Bilder und Dokumente und die Gruppe „Partner: <Name>“ an. Die Gruppe "
        "darf nur in ihrem Bereich Fälle anlegen und bearbeiten und nur über die "
        "Redaktionelle Prüfung veröffentlichen. Mehrfach ausführbar."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug", default=None)
        parser.add_argument("--intro", default="")

    def handle(self, *args, name, slug, intro, **options):
        organisation = Organisation.objects.filter(name=name).first()
        try:
            section, collection, group = ensure_partner(
                name, slug=slug, intro=intro, organisation=organisation
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Bereich %(url)s, Sammlung „%(collection)s“, Gruppe „%(group)s“.")
                % {"url": section.url_path, "collection": collection.name, "group": group.name}
            )
        )
