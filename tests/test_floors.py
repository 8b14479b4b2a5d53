"""The house has floors (README, "Floors"): a module imports only from its own floor or below, and
an area only from the areas to its left. Every module of portal/ must stand on a named floor."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CORE = {"config", "extensions", "db", "db_copy", "audit", "mail", "notifications", "calendar", "render", "permissions",
        "filters", "forms", "markdown", "i18n", "jobs", "links", "pagecache", "pagination", "params", "robots",
        "search", "storage", "sheets", "imports", "import_views", "bulk", "allowance"}
AREAS = ["accounts", "projects", "tasks", "requests", "meetings", "files", "reports"]
TOP = {"__init__", "channels", "digest", "home", "finder", "scorecard", "monitoring", "api", "feeds"}


def floor_of(module):
    """(floor, rank) of a dotted module name inside portal: core 0, areas 1.., top last."""
    part = module.split(".")[1] if module.count(".") else "__init__"
    if part in CORE:
        return "core", 0
    if part in AREAS:
        return part, 1 + AREAS.index(part)
    if part in TOP:
        return "top", 1 + len(AREAS)
    raise AssertionError("%s stands on no floor: add it to CORE, AREAS or TOP here and in the README" % module)


def modules(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported(source):
    """Every module a source imports, at the top or inside a function (imports are absolute here)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, "relative import: write it absolute, as the rest of the house does"
            for alias in node.names:
                candidate = "%s.%s" % (node.module, alias.name)
                where = ROOT / candidate.replace(".", "/")
                is_module = where.with_suffix(".py").exists() or (where / "__init__.py").exists()
                yield candidate if is_module else node.module


def violations(module, targets):
    name, rank = floor_of(module)
    for target in targets:
        if target.split(".")[0] in ("demo", "bench", "tests"):
            yield "%s imports %s, which is not part of the application" % (module, target)
        elif target.startswith("portal.") and floor_of(target)[1] > rank:
            yield "%s (%s) imports %s (%s)" % (module, name, target, floor_of(target)[0])


def test_every_module_of_the_portal_imports_only_its_own_floor_and_those_below():
    wrong = [line for module, path in modules("portal")
             for line in violations(module, imported(path.read_text(encoding="utf-8")))]
    assert not wrong, "\n".join(wrong)


def test_the_floor_check_refuses_a_lower_floor_importing_a_higher_one():
    assert list(violations("portal.db", imported("from portal.tasks.models import Task")))
    assert list(violations("portal.projects.models", imported("from portal.tasks import models")))
    assert list(violations("portal.meetings.agenda", imported("import portal.digest")))
    assert list(violations("portal.digest", imported("from demo import seed")))
    assert not list(violations("portal.tasks.models", imported("from portal.projects.models import Project")))
    assert not list(violations("portal.digest", imported("from portal.meetings.models import Meeting")))
