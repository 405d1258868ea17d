#!/usr/bin/env python3
"""Fail on private API of the frameworks in the project's code.

A private attribute (a name starting with one underscore) of Django, Wagtail, treebeard,
modelsearch, Django REST framework or django-csp can change or vanish in any minor release,
and state kept there is hidden from the framework's own invalidation. This scan reads every
Python file of the project (``ast``: the project's code is neither imported nor run; only a
framework class a project class extends is imported, to see which private methods it has)
and reports:

- ``from django.x import _y`` and ``import django.x._y``;
- ``name._y`` where ``name`` was imported from one of those packages (a module, a class
  such as ``Page`` or ``Site``, a function), also further down a chain (``Page.objects._x``);
- ``obj._y`` on any object for the private names the frameworks keep on their objects
  (``request._wagtail_site``, ``queryset._result_cache``, ``response._csp_replace``, ...),
  also through ``getattr``/``setattr``/``hasattr``/``delattr`` and ``obj.__dict__``;
- the internals of Django's SQL compiler (``klass_info``, ``apply_converters``, ...), which
  have public-looking names but no documentation;
- a method ``_y`` defined in a subclass of a framework class that overrides the base's
  private method (``FileBasedCache._cull``);
- ``signal.disconnect(receiver)`` of a receiver imported from one of those packages: that
  rewires the library for the whole process.

Dunder names are not private. Django documents ``Model._meta``, ``_default_manager`` and
``_base_manager`` as public API (the "Model _meta API" and "Managers" pages), so they pass.
There is no allow-list: a finding is fixed, not excused.

Usage: ``python scripts/check_private_api.py [paths ...]`` (default: the repository).
Exit status 1 if anything was found.
"""

import ast
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

FRAMEWORKS = ("django", "wagtail", "treebeard", "modelsearch", "rest_framework", "csp")

# Underscore names the frameworks document as public.
DOCUMENTED = frozenset({"_meta", "_default_manager", "_base_manager"})

# Private attributes the frameworks keep on objects whose type the scan cannot see (a
# request, a queryset, a response, a page, a cache backend). Names that are public elsewhere
# (a namedtuple's ``_fields``) or too common (``_cache``, ``_data``) are left out: on objects
# of the frameworks the rules above still find them.
KNOWN_PRIVATE = frozenset(
    {
        "_wagtail_site",
        "_wagtail_cached_site_root_paths",
        "_cached_parent_obj",
        "_find_for_request",
        "_get_site_root_paths",
        "_get_raw_host",
        "_request",
        "_result_cache",
        "_prefetch_done",
        "_prefetched_objects_cache",
        "_prefetch_related_lookups",
        "_known_related_objects",
        "_iterable_class",
        "_hints",
        "_db",
        "_cull",
        "_csp_replace",
        "_csp_update",
        "_csp_exempt",
        "_csp_config",
        "_csp_nonce",
        "_get_path",
        "_str2int",
        "_int2str",
        "_get_basepath",
        "_specific_class",
        "_revisions",
        "_post_clean",
        "_errors",
        "_mutable",
        "_full_data",
    }
)

# Undocumented internals of Django's SQL compiler and query, whatever their names say.
KNOWN_INTERNAL = frozenset(
    {"klass_info", "apply_converters", "get_converters", "get_compiler", "results_iter"}
)

REFLECTION = frozenset({"getattr", "setattr", "hasattr", "delattr"})
SKIP_DIRS = frozenset(
    {".venv", "var", "node_modules", ".git", "__pycache__", ".ruff_cache", ".pytest_cache"}
)


def is_private(name):
    return name.startswith("_") and not name.startswith("__") and name not in DOCUMENTED


def is_framework(module):
    return bool(module) and module.split(".")[0] in FRAMEWORKS


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


class Scanner(ast.NodeVisitor):
    def __init__(self, path):
        self.path = path
        self.findings = []
        # Local name -> dotted origin, for every name bound by an import of a framework.
        self.framework_names = {}
        # For each enclosing class: does it extend a framework class?
        self.class_stack = []

    def report(self, node, message):
        self.findings.append(Finding(self.path, node.lineno, message))

    # Imports (anywhere in the file: imports inside functions count too).
    def collect_imports(self, tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if is_framework(alias.name):
                        local = alias.asname or alias.name.split(".")[0]
                        self.framework_names[local] = alias.asname and alias.name or local
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and is_framework(node.module):
                for alias in node.names:
                    origin = f"{node.module}.{alias.name}"
                    self.framework_names[alias.asname or alias.name] = origin

    def visit_Import(self, node):
        for alias in node.names:
            if is_framework(alias.name) and any(is_private(p) for p in alias.name.split(".")):
                self.report(node, f"imports the private module {alias.name}")

    def visit_ImportFrom(self, node):
        if node.level == 0 and is_framework(node.module):
            for part in node.module.split("."):
                if is_private(part):
                    self.report(node, f"imports from the private module {node.module}")
                    break
            for alias in node.names:
                if is_private(alias.name):
                    self.report(node, f"imports the private name {node.module}.{alias.name}")

    # Attribute access.
    def root_origin(self, node):
        """The framework origin of the name at the root of an attribute chain, or None."""
        while isinstance(node, ast.Attribute):
            node = node.value
        if isinstance(node, ast.Name):
            return self.framework_names.get(node.id)
        return None

    def own_attribute(self, node):
        """``self._x`` in a class of ours that extends no framework class: our own state."""
        return (
            isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
            and bool(self.class_stack)
            and not self.class_stack[-1]
        )

    def visit_Attribute(self, node):
        name = node.attr
        if self.own_attribute(node):
            pass
        elif name in KNOWN_PRIVATE:
            self.report(node, f"uses the framework's private attribute .{name}")
        elif name in KNOWN_INTERNAL:
            self.report(node, f"uses the undocumented SQL compiler internal .{name}")
        elif is_private(name):
            origin = self.root_origin(node.value)
            if origin:
                self.report(node, f"uses the private attribute .{name} of {origin}")
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in REFLECTION and len(node.args) >= 2:
            self.check_name_constant(node, node.args[1], f"{func.id}()")
        if isinstance(func, ast.Attribute):
            # obj.__dict__.setdefault("_x") / .get("_x") / .pop("_x")
            owner = func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "__dict__" and node.args:
                self.check_name_constant(node, node.args[0], "__dict__")
            if func.attr == "disconnect" and node.args:
                receiver = node.args[0]
                origin = self.root_origin(receiver) if not isinstance(receiver, ast.Call) else None
                if origin:
                    self.report(
                        node,
                        f"disconnects the library's signal receiver {origin} (process-wide)",
                    )
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if isinstance(node.value, ast.Attribute) and node.value.attr == "__dict__":
            self.check_name_constant(node, node.slice, "__dict__")
        self.generic_visit(node)

    def check_name_constant(self, node, arg, how):
        if (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and arg.value in KNOWN_PRIVATE
        ):
            self.report(node, f"uses the framework's private attribute {arg.value} via {how}")

    # Subclasses that override a private method of a framework class.
    def visit_ClassDef(self, node):
        bases = [self.root_origin(base) for base in node.bases]
        framework_bases = [origin for origin in bases if origin]
        if framework_bases:
            for item in node.body:
                if (
                    isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and is_private(item.name)
                    and (
                        item.name in KNOWN_PRIVATE or self.base_defines(framework_bases, item.name)
                    )
                ):
                    self.report(
                        item,
                        f"overrides the private method {item.name} of {', '.join(framework_bases)}",
                    )
        self.class_stack.append(bool(framework_bases))
        self.generic_visit(node)
        self.class_stack.pop()

    @staticmethod
    def base_defines(origins, name):
        """Does one of the framework classes define ``name``? (Imported only here; a class
        that cannot be imported without Django's settings is checked by KNOWN_PRIVATE.)"""
        for origin in origins:
            module_name, _, attr = origin.rpartition(".")
            try:
                base = getattr(importlib.import_module(module_name), attr)
            except Exception:  # noqa: BLE001, S112 - any import problem: fall back to the list
                continue
            if hasattr(base, name):
                return True
        return False


def scan_source(source, path="<string>"):
    tree = ast.parse(source, filename=path)
    scanner = Scanner(path)
    scanner.collect_imports(tree)
    scanner.visit(tree)
    return scanner.findings


def python_files(paths):
    for root in paths:
        root = Path(root)
        if root.is_file():
            yield root
            continue
        for path in sorted(root.rglob("*.py")):
            if not SKIP_DIRS.intersection(path.relative_to(root).parts):
                yield path


def scan_paths(paths):
    findings = []
    for path in python_files(paths):
        findings.extend(scan_source(path.read_text(encoding="utf-8"), str(path)))
    return findings


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    paths = argv or [str(Path(__file__).resolve().parent.parent)]
    findings = scan_paths(paths)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} use(s) of private framework API.", file=sys.stderr)
        return 1
    print("No private framework API found.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
