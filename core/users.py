from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def user_by_name(username):
    """The active user of a command's ``--user`` option, or CommandError."""
    model = get_user_model()
    user = model.objects.filter(**{model.USERNAME_FIELD: username}, is_active=True).first()
    if user is None:
        raise CommandError(_("Kein aktiver Benutzer „%s“.") % username)
    return user
