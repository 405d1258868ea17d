"""Names vulture (.ci/run) reports as unused that Django, Wagtail or django-axes call by name.
Only such names belong here; dead code is deleted instead."""

# casestudies/apps.py: imported for its side effect, registering the case document builder.
search_documents  # noqa: B018, F821
# core/security.py login_locked_out: django-axes passes it by keyword (AXES_LOCKOUT_CALLABLE).
original_response  # noqa: B018, F821
# editorial/wagtail_hooks.py: Wagtail passes next_url by keyword to page button hooks.
next_url  # noqa: B018, F821
