"""Helpers for the editorial tests: users per role and the edit form's data for a case."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield


def user_in(group_name, username=None):
    username = username or "u-" + group_name.lower().replace(" ", "-").replace(":", "")
    user = get_user_model().objects.create_user(username, f"{username[:30]}@example.org", "pw")
    user.groups.add(Group.objects.get(name=group_name))
    return user


def case_form_data(page, **overrides):
    """The edit form's POST data for a case as it is now (the body left empty)."""
    page = page.get_latest_revision_as_object()
    data = {
        "title": page.title,
        "slug": page.slug,
        "summary": page.summary,
        "body": streamfield([]),
        "lessons": rich_text(page.lessons or ""),
        "case_towns": inline_formset(
            [
                {"id": link.pk or "", "town": link.town_id, "role": link.role}
                for link in page.case_towns.all()
            ],
            initial=len([link for link in page.case_towns.all() if link.pk]),
        ),
        "case_contacts": inline_formset(
            [
                {"id": link.pk or "", "contact": link.contact_id}
                for link in page.case_contacts.all()
            ],
            initial=len([link for link in page.case_contacts.all() if link.pk]),
        ),
        "comments": inline_formset([]),
        "scope": page.scope,
        "status": page.status,
        "period": page.period,
        "tags": ", ".join(tag.name for tag in page.tags.all()),
        "last_checked": page.last_checked.isoformat() if page.last_checked else "",
    }
    for key in (
        "transfer_staff",
        "transfer_budget_range",
        "transfer_budget",
        "transfer_funding_rate",
        "transfer_duration",
        "transfer_decisions",
        "transfer_partners",
        "transfer_pitfalls",
        "project_website",
        "source_url",
    ):
        data[key] = getattr(page, key)
    # Multiple choices are lists of values; nested_form_data would flatten them.
    choices = {
        "themes": [str(theme.pk) for theme in page.themes.all()],
        "funding_programmes": [str(p.pk) for p in page.funding_programmes.all()],
        "partners": [str(p.pk) for p in page.partners.all()],
    }
    for key in choices:
        if key in overrides:
            choices[key] = overrides.pop(key)
    data.update(overrides)
    return {**nested_form_data(data), **choices}
