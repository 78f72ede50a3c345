"""Tests mirror the code: every module of designs/, integrations/ and podsite/ has its own test module.

designs/services/X.py is tested in tests/designs/services/test_X.py (and so on for every folder); a management
command X in tests/<app>/test_X_command.py. Only the modules below are exempt, each for the reason it gives.
"""

from pathlib import Path

from django.conf import settings

PACKAGES = ("designs", "integrations", "podsite")

# Files with no behaviour of their own to test.
NOT_MODULES = {"__init__.py", "apps.py"}

EXEMPT = {
    # The status engine, being rewritten; its author takes these off the list with their tests.
    # Entry points for servers: the test client goes through settings and urls, never through these.
    "podsite/asgi.py": "the ASGI server's entry point",
    "podsite/wsgi.py": "the WSGI server's entry point",
    # The sandbox is a test double: its two fakes have their tests (tests/integrations/sandbox/), the parts below
    # are checked through the fakes' HTTP routes and the integrations' contract tests (test_contract_*.py).
    **dict.fromkeys(
        (
            "integrations/sandbox/base.py",
            "integrations/sandbox/catalog.py",
            "integrations/sandbox/image_jobs.py",
            "integrations/sandbox/images.py",
            "integrations/sandbox/llm_fake.py",
            "integrations/sandbox/server.py",
        ),
        "a part of the sandbox, tested through its fakes",
    ),
    "integrations/management/commands/sandbox.py": "serves until stopped; tests/system starts it as a process",
    "integrations/models.py": "the rate limiter's rows, tested with it (tests/integrations/test_ratelimit.py)",
}


def mirrored_test(module: Path) -> Path:
    """designs/services/review.py → tests/designs/services/test_review.py; a command → test_<name>_command.py."""
    if module.parent.parts[-2:] == ("management", "commands"):
        return Path("tests", module.parts[0], f"test_{module.stem}_command.py")
    return Path("tests", *module.parent.parts, f"test_{module.name}")


def modules() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = []
    for package in PACKAGES:
        for path in sorted((base / package).rglob("*.py")):
            module = path.relative_to(base)
            if path.name in NOT_MODULES or "migrations" in module.parts:
                continue
            found.append(module)
    return found


def test_every_module_has_its_mirrored_test_module():
    base = Path(settings.BASE_DIR)
    missing = [
        f"{module} → {mirrored_test(module)}"
        for module in modules()
        if module.as_posix() not in EXEMPT and not (base / mirrored_test(module)).exists()
    ]
    assert not missing, "Modules without their mirrored test module:\n" + "\n".join(missing)


def test_an_exempt_module_with_a_mirrored_test_leaves_the_list():
    base = Path(settings.BASE_DIR)
    stale = [module for module in EXEMPT if (base / mirrored_test(Path(module))).exists()]
    assert not stale, f"These have their test module now; take them off EXEMPT: {stale}"


def test_the_walk_finds_the_modules_it_should():
    """The control: the walk sees services, workers, admin screens and commands, and maps them as documented."""
    found = {module.as_posix() for module in modules()}
    assert {"designs/services/review.py", "designs/workers/pump.py", "designs/admin/design.py"} <= found
    assert mirrored_test(Path("designs/management/commands/import_designs.py")) == Path(
        "tests/designs/test_import_designs_command.py"
    )
    assert mirrored_test(Path("designs/services/review.py")) == Path("tests/designs/services/test_review.py")
    assert not any("migrations" in module or module.endswith("__init__.py") for module in found)
