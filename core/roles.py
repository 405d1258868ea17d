"""The editorial roles every app addresses by name, and their e-mail addresses.

The groups themselves are created by ``editorial.setup``; the name lives here, in the bottom
layer, so that apps below ``editorial`` (suggestions) reach the editors without importing it.
"""

from django.contrib.auth import get_user_model

EDITORS = "Redaktion"


def group_addresses(group_name):
    """The e-mail addresses of the group's active members, sorted, without duplicates."""
    return list(
        get_user_model()
        .objects.filter(groups__name=group_name, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )
