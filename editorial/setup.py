"""Groups, permissions, the moderation workflow and partner sections, created idempotently.

Roles
- Redaktion: create and edit cases anywhere in the library, guides (knowledge section) and
  events, and submit them for moderation; no publishing. Images and documents in every
  collection; reference data (towns, themes, organisations, funding programmes, contacts)
  to add and change.
- Moderation: everything Redaktion may, plus publish, unpublish, lock/unlock and delete; it
  reviews the task of the workflow "Redaktionelle Prüfung". Its file imports may create new
  themes (permission "import_new_themes"); an editor's import names the closest theme.
- Administration: every permission there is (users, groups, settings, workflows, ...).
- Partner: <Name>: add and edit pages only in its own section (no publishing, so no deleting
  published pages), add/choose/change images and documents in its own collection, choose
  (not change) the shared reference data its cases need.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowContentType,
    WorkflowPage,
    WorkflowTask,
)

from agenda.models import EventIndexPage
from casestudies.importer import german_slugify
from casestudies.models import CaseLibraryPage, CaseSectionPage, Organisation
from core.roles import EDITORS
from knowledge.models import KnowledgeIndexPage

MODERATORS = "Moderation"
ADMINISTRATORS = "Administration"
PARTNER_PREFIX = "Partner: "
WORKFLOW_NAME = "Redaktionelle Prüfung"
TASK_NAME = "Prüfung durch die Moderation"

PAGE_PERMISSIONS = {
    EDITORS: ["add_page", "change_page"],
    MODERATORS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    ADMINISTRATORS: [
        "add_page",
        "change_page",
        "publish_page",
        "bulk_delete_page",
        "lock_page",
        "unlock_page",
    ],
}
PARTNER_PAGE_PERMISSIONS = ["add_page", "change_page"]
MEDIA_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}
MEDIA_DELETE = {"wagtailimages": ["delete_image"], "wagtaildocs": ["delete_document"]}
REFERENCE_MODELS = ["town", "theme", "organisation", "fundingprogramme", "contact"]


def _perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _model_perms(app_label, models, actions):
    return [
        _perm(app_label, f"{action}_{model}")
        for model in models
        for action in actions
        if Permission.objects.filter(
            content_type__app_label=app_label, codename=f"{action}_{model}"
        ).exists()
    ]


def _set_page_permissions(group, page, codenames):
    wanted = {_perm("wagtailcore", codename) for codename in codenames}
    existing = GroupPagePermission.objects.filter(group=group, page=page)
    existing.exclude(permission__in=wanted).delete()
    for permission in wanted:
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def _set_collection_permissions(group, collection, perms):
    wanted = set(perms)
    existing = GroupCollectionPermission.objects.filter(group=group, collection=collection)
    existing.exclude(permission__in=wanted).delete()
    for permission in wanted:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )


def _media_perms(with_delete=False):
    perms = []
    for app_label, codenames in MEDIA_PERMISSIONS.items():
        perms += [_perm(app_label, c) for c in codenames]
        if with_delete:
            perms += [_perm(app_label, c) for c in MEDIA_DELETE[app_label]]
    return perms


def library():
    return CaseLibraryPage.objects.order_by("path").first()


def editorial_sections():
    """The sections the editorial team writes in, each under the moderation workflow: the
    case library, the knowledge section (guides, glossary) and the events. Missing sections
    (a site without events) are left out."""
    sections = [library()]
    for model in (KnowledgeIndexPage, EventIndexPage):
        sections.append(model.objects.order_by("path").first())
    return [section for section in sections if section is not None]


@transaction.atomic
def ensure_groups():
    """Create or bring up to date the three editorial groups and the workflow. Returns the
    groups by name. Without a library only the model permissions are set."""
    access_admin = _perm("wagtailadmin", "access_admin")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in PAGE_PERMISSIONS}
    reference = _model_perms("casestudies", REFERENCE_MODELS, ["add", "change", "view"])
    # Admin upload and full export (transfer/): the central team only. Partners import
    # nothing through the admin (the full export holds every partner's contacts).
    import_cases = _perm("transfer", "import_cases")
    # "Fall vorschlagen" (suggestions/): the contacts of suggestions, to follow up and delete.
    suggestions = _model_perms("suggestions", ["casesuggestion"], ["view", "delete"])
    groups[EDITORS].permissions.set([access_admin, import_cases, *reference, *suggestions])
    # Only the moderation grows the taxonomy through a file; editors' imports name the
    # closest existing theme instead (casestudies.matching).
    new_themes = _perm("casestudies", "import_new_themes")
    groups[MODERATORS].permissions.set(
        [
            access_admin,
            import_cases,
            new_themes,
            *reference,
            *suggestions,
            *_model_perms("casestudies", REFERENCE_MODELS, ["delete"]),
        ]
    )
    groups[ADMINISTRATORS].permissions.set(Permission.objects.all())

    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        _set_collection_permissions(groups[EDITORS], root_collection, _media_perms())
        for name in (MODERATORS, ADMINISTRATORS):
            _set_collection_permissions(groups[name], root_collection, _media_perms(True))

    sections = editorial_sections()
    for section in sections:
        _set_page_permissions(groups[EDITORS], section, PAGE_PERMISSIONS[EDITORS])
        _set_page_permissions(groups[MODERATORS], section, PAGE_PERMISSIONS[MODERATORS])
    if sections:
        ensure_workflow(sections, groups[MODERATORS])
    site_root = Page.get_first_root_node()
    if site_root is not None:
        _set_page_permissions(groups[ADMINISTRATORS], site_root, PAGE_PERMISSIONS[ADMINISTRATORS])
    return groups


def ensure_workflow(sections, moderators):
    """The workflow "Redaktionelle Prüfung" (one moderation task) on every section."""
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.active = True
    task.save()
    task.groups.set([moderators])
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    workflow.active = True
    workflow.save()
    # workflow_tasks is a cluster relation: create the row itself, not in memory.
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for section in sections:
        WorkflowPage.objects.update_or_create(page=section, defaults={"workflow": workflow})
    # Snippets are not moderated here: reference data changes are small and immediate.
    WorkflowContentType.objects.filter(workflow=workflow).delete()
    return workflow


def partner_group_name(name):
    return f"{PARTNER_PREFIX}{name}"


@transaction.atomic
def ensure_partner(name, slug=None, intro="", organisation=None):
    """A partner's section below the library, its collection and its group. Idempotent
    (matched by the section's slug). The partner's images and documents stay in its own
    collection: it neither sees nor chooses another partner's.
    Returns (section, collection, group)."""
    case_library = library()
    if case_library is None:
        raise ValueError(_("Es gibt noch keine Fallbibliothek."))
    slug = slug or german_slugify(name)
    if organisation is None:
        organisation, _created = Organisation.objects.get_or_create(
            name=name, defaults={"kind": Organisation.Kind.ASSOCIATION}
        )
    section = CaseSectionPage.objects.child_of(case_library).filter(slug=slug).first()
    if section is None:
        section = CaseSectionPage(title=name, slug=slug, intro=intro, organisation=organisation)
        case_library.add_child(instance=section)
        section.save_revision().publish()

    root_collection = Collection.get_first_root_node()
    collection = root_collection.get_children().filter(name=name).first()
    if collection is None:
        collection = root_collection.add_child(instance=Collection(name=name))

    group, _created = Group.objects.get_or_create(name=partner_group_name(name))
    reference = _model_perms("casestudies", REFERENCE_MODELS, ["view"])
    # Contacts belong to the partner's own cases: it may add them, not change others'.
    reference += _model_perms("casestudies", ["contact"], ["add"])
    group.permissions.set([_perm("wagtailadmin", "access_admin"), *reference])
    _set_page_permissions(group, section, PARTNER_PAGE_PERMISSIONS)
    _set_collection_permissions(group, collection, _media_perms())
    return section, collection, group
