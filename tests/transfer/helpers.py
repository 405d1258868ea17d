import json

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import GroupPagePermission, Page, PageLogEntry, Revision

from casestudies.models import (
    CasePage,
    CaseSectionPage,
    Contact,
    FundingProgramme,
    Organisation,
    Theme,
    Town,
)


def snapshot():
    """Everything an import may touch, to prove a failed import changed nothing."""
    return {
        "pages": sorted(CasePage.objects.values_list("slug", "title", "latest_revision_id")),
        "towns": sorted(Town.objects.values_list("name", "state", "population")),
        "themes": Theme.objects.count(),
        "programmes": FundingProgramme.objects.count(),
        "organisations": Organisation.objects.count(),
        "contacts": Contact.objects.count(),
        "revisions": Revision.objects.count(),
        "log": PageLogEntry.objects.count(),
    }


def upload(name, content, content_type="text/csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type=content_type)


def json_upload(records, name="faelle.json"):
    return upload(name, json.dumps(records, ensure_ascii=False), "application/json")


def revisions_of(page):
    return Revision.page_revisions.filter(object_id=str(page.pk)).count()


def make_section(library, slug, title):
    """A partner section (``section`` = slug of a child page of the library)."""
    section = CaseSectionPage(title=title, slug=slug)
    library.add_child(instance=section)
    section.save_revision().publish()
    return Page.objects.get(pk=section.pk)


def user_with_pages(django_user_model, name, pages, permissions=("add", "change")):
    """An admin user whose group has the given page permissions on the given subtrees, and
    the import permission."""
    group = Group.objects.create(name=f"Gruppe {name}")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    group.permissions.add(
        Permission.objects.get(
            content_type=ContentType.objects.get(app_label="transfer", model="importjob"),
            codename="import_cases",
        )
    )
    for page in pages:
        for codename in permissions:
            GroupPagePermission.objects.create(
                group=group,
                page=page,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=f"{codename}_page"
                ),
            )
    user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw")
    user.groups.add(group)
    return user
