"""No code in designs/ or integrations/ reaches media by a file path: with MEDIA_STORAGE=s3 there is no local copy.

Files are read and written through the storage API only (field.open(), storage.open/save/delete, .url). The walk
over the source (ast, not grep: comments and strings do not count) refuses:
- a `.path` attribute (FieldFile.path, storage.path()), except on receivers that are URLs or requests;
- the builtin open();
- MEDIA_ROOT;
- pathlib reads and writes (read_bytes, write_text, …) outside the files that read what a person names on the
  command line (imports, prompt files) and the sandbox's own store of Printify uploads.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOTS = ("designs", "integrations")
# Receivers whose `.path` is a URL's or a request's path, or the name of a file someone asked to import.
PATH_RECEIVERS = {"request", "parts", "outcome", "self"}
PATHLIB_IO = {"read_bytes", "read_text", "write_bytes", "write_text"}
PATHLIB_IO_ALLOWED = {
    "designs/services/imports.py",  # the image files named on the import_designs command line
    "designs/management/commands/generate_designs.py",  # the prompt file named on the command line
    "integrations/sandbox/printify_fake.py",  # the fake Printify's own store of uploads, in its temp folder
}


def findings(source: str, relative: str) -> list[str]:
    """'<file>:<line>: <what>' for every way of reaching a file by path in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{relative}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr == "path" and not _url_or_request(node.value):
            found.append(f"{where}: {ast.unparse(node)} (a file path; use field.open() or the storage)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            found.append(f"{where}: open() (use field.open() or storage.open(name))")
        elif (isinstance(node, ast.Name) and node.id == "MEDIA_ROOT") or (
            isinstance(node, ast.Attribute) and node.attr == "MEDIA_ROOT"
        ):
            found.append(f"{where}: MEDIA_ROOT (media may be in a bucket)")
        elif isinstance(node, ast.Attribute) and node.attr in PATHLIB_IO and relative not in PATHLIB_IO_ALLOWED:
            found.append(f"{where}: {ast.unparse(node)} (pathlib I/O; use the storage)")
    return found


def _url_or_request(receiver: ast.expr) -> bool:
    if isinstance(receiver, ast.Name):
        return receiver.id in PATH_RECEIVERS
    if isinstance(receiver, ast.Call):  # urlsplit(url).path
        return isinstance(receiver.func, ast.Name) and receiver.func.id in ("urlsplit", "urlparse")
    return False


def source_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(path for root in ROOTS for path in (base / root).rglob("*.py"))


def test_no_code_reaches_media_by_a_file_path():
    base = Path(settings.BASE_DIR)
    files = source_files()
    assert len(files) > 100  # the walk saw the code
    found = [
        finding
        for path in files
        for finding in findings(path.read_text(encoding="utf-8"), path.relative_to(base).as_posix())
    ]
    assert found == []


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("size = design.image.path", "design.image.path"),
        ("name = default_storage.path(design.image.name)", "default_storage.path"),
        ("data = open(name, 'rb').read()", "open()"),
        ("folder = settings.MEDIA_ROOT / 'designs'", "MEDIA_ROOT"),
        ("data = (root / name).read_bytes()", "read_bytes"),
    ],
)
def test_the_walk_finds_each_way_of_reaching_a_file_by_path(line, what):
    [finding] = findings(f"{line}\n", "designs/example.py")
    assert finding.startswith("designs/example.py:1: ") and what in finding


def test_urls_and_requests_have_paths_of_their_own():
    source = "a = request.path\nb = urlsplit(url).path\nc = parts.path\n"
    assert findings(source, "integrations/example.py") == []
