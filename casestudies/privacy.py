"""Contacts in the admin for partner accounts.

Editors and moderators (who may change contacts) see every contact. A partner sees and
exports only the contacts used in the cases of its own sections and those it created itself;
phone and e-mail of persons who have not agreed to publication (``is_public``) are left out of
every list, export and chooser a partner sees.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from wagtail.models import ModelLogEntry, Page

from .models import Contact

PRIVATE_FIELDS = ("phone", "email")


def sees_all_contacts(user):
    return user.is_superuser or user.has_perm("casestudies.change_contact")


def visible_contacts(queryset, user):
    """The contacts of ``queryset`` this user may see in the admin."""
    if sees_all_contacts(user):
        return queryset
    roots = Page.objects.filter(group_permissions__group__user=user).values_list("path", flat=True)
    used = Q(pk__in=[])
    for path in set(roots):
        used |= Q(case_links__page__path__startswith=path)
    created = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(queryset.model),
        action="wagtail.create",
        user_id=user.pk,
    ).values_list("object_id", flat=True)
    created_ids = [int(pk) for pk in created if str(pk).isdigit()]
    ids = queryset.model.objects.filter(used | Q(pk__in=created_ids)).values_list("pk", flat=True)
    # By id: the chooser's search can filter on the id only, not across relations.
    return queryset.filter(pk__in=list(ids))


def contact_value(contact, field, value, user):
    """``value`` of ``field`` as this user may see it: empty for the phone and e-mail of a
    non-public person unless the user sees all contacts."""
    if field in PRIVATE_FIELDS and not contact.is_public and not sees_all_contacts(user):
        return ""
    return value


def without_inline(panel, relation_name):
    """A copy of an (unbound) edit handler without the ``InlinePanel`` of ``relation_name``;
    bind the result with ``bind_to_model``."""
    children = getattr(panel, "children", None)
    if children is None:
        return panel
    kept = [
        without_inline(child, relation_name)
        for child in children
        if getattr(child, "relation_name", None) != relation_name
    ]
    return panel.__class__(**{**panel.clone_kwargs(), "children": kept})


def comparison_edit_handler(edit_handler, model, user):
    """The edit handler a revision comparison of a case uses: for a user who does not see
    all contacts (a partner), without the contacts, whose names a revision may hold for
    persons who have not agreed to publication (also contacts of other partners)."""
    if sees_all_contacts(user):
        return edit_handler
    return without_inline(edit_handler, "case_contacts").bind_to_model(model)


def hides_contacts(page, user):
    """True if ``page`` (e.g. an old revision of a case) names a non-public contact this user
    may not see."""
    if sees_all_contacts(user):
        return False
    ids = {link.contact_id for link in page.case_contacts.all()}
    private = Contact.objects.filter(pk__in=ids, is_public=False)
    return private.exclude(pk__in=visible_contacts(Contact.objects.all(), user)).exists()
