from django.core.checks import Warning, register

from .provider import configured_name, missing_package


@register()
def provider_installed(app_configs, **kwargs):
    """The semantic search needs its provider's package; without it the search is lexical."""
    package = missing_package()
    if package is None:
        return []
    return [
        Warning(
            f"SEMANTIC_SEARCH_PROVIDER is {configured_name()!r} but the package {package!r} "
            "is not installed: the search runs on words only.",
            hint="Install the pinned package (pip install -e .) or set "
            "SEMANTIC_SEARCH_PROVIDER to an empty value.",
            id="semantic.W001",
        )
    ]
