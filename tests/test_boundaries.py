"""The whiteboard rules, read off the code: workers and the domain never import a use case (designs/services), and
integrations know nothing of designs. Imports inside functions count too (they used to hide the cycle)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def offenders(paths, forbidden: str) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        bad = sorted(name for name in imported_modules(path) if name == forbidden or name.startswith(forbidden + "."))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_workers_never_import_services():
    assert offenders((ROOT / "designs" / "workers").glob("*.py"), "designs.services") == {}


def test_the_domain_never_imports_services():
    # designs/*.py but the edges: tasks.py (django-q2's entry points), admin, urls and the webhook views.
    edges = {"tasks.py", "urls.py", "webhooks.py", "apps.py", "__init__.py"}
    domain = [path for path in (ROOT / "designs").glob("*.py") if path.name not in edges]
    assert offenders(domain, "designs.services") == {}


def test_integrations_know_nothing_of_designs():
    assert offenders((ROOT / "integrations").rglob("*.py"), "designs") == {}


def test_the_walk_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from designs.services.generation import x\n")
    assert imported_modules(module) >= {"designs.services.generation"}
