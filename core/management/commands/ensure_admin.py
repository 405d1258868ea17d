import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _(
        "Legt den Administrator „admin“ an (oder setzt sein Passwort zurück) und gibt die "
        "Zugangsdaten aus. Das Passwort wird beim ersten Aufruf erzeugt und in "
        "var/admin-password.txt aufbewahrt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, username, url, **options):
        password_file = settings.VAR_DIR / "admin-password.txt"
        if password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                _("Admin-Zugang: %(url)s  Benutzer: %(user)s  Passwort: %(password)s")
                % {"url": url, "user": username, "password": password}
            )
        )
