"""Existing image files as designs in review: validated like ingest, stored under our own names, never twice."""

import os

import pytest

from designs.models import Batch, Design, ImageFingerprint, NearDuplicate
from designs.services.imports import file_name, import_files, import_image
from designs.workflow import Status
from tests.designs.generation_support import image_bytes
from tests.designs.review_support import artwork, encoded, near_copy

pytestmark = pytest.mark.django_db


def test_import_records_the_hash_and_the_pair_both_ways(db, settings):
    settings.NEAR_DUPLICATE_DISTANCE = 8
    original = artwork(3)
    first = import_image(encoded(original), path="fox.png").design
    copy = import_image(near_copy(original), path="fox-copy.jpg").design
    unrelated = import_image(encoded(artwork(4)), path="owl.png").design

    assert ImageFingerprint.objects.count() == 3
    pairs = set(NearDuplicate.objects.values_list("design_id", "other_id"))
    assert pairs == {(first.pk, copy.pk), (copy.pk, first.pk)}
    assert not NearDuplicate.objects.filter(design=unrelated).exists()


def test_an_imported_image_is_a_design_in_review_made_by_its_importer(superuser):
    outcome = import_image(image_bytes(), path="exports/Fox in snow.png", actor=superuser)

    design = Design.objects.get(pk=outcome.design.pk)
    # No title of its own: a file's name is no listing title (issue 19); the history names the file.
    assert (design.status, design.title, design.prompt, design.created_by) == (Status.REVIEW, "", "", superuser)
    assert design.image and design.thumbnail and design.image_sha256
    event = design.events.get()
    assert (event.to_status, event.actor, event.message) == (
        Status.REVIEW,
        superuser,
        "Imported from the image file “Fox in snow.png”.",
    )


def test_a_refused_or_known_image_is_skipped_with_its_reason(media_root):
    first = import_image(image_bytes(), path="a.png").design
    files = sorted(media_root.rglob("*"))

    assert import_image(image_bytes(), path="b.png").skipped == f"already imported as design {first.pk}"
    assert import_image(b"not an image", path="c.png").skipped
    assert Design.objects.count() == 1 and sorted(media_root.rglob("*")) == files  # nothing stored for them


def test_files_are_imported_in_name_order_into_one_batch_created_with_the_first(tmp_path):
    folder = tmp_path / "exports"
    (folder / "b").mkdir(parents=True)
    (folder / "b" / "owl.png").write_bytes(encoded(artwork(8)))
    (folder / "fox.png").write_bytes(encoded(artwork(7)))
    (folder / "broken.png").write_bytes(b"no")

    outcomes = list(import_files([folder], batch_name="Old work"))

    assert [os.path.basename(o.path) for o in outcomes] == ["broken.png", "fox.png", "owl.png"]
    assert outcomes[0].skipped and outcomes[0].design is None
    batch = Batch.objects.get()
    assert (batch.name, batch.origin) == ("Old work", Batch.Origin.IMPORT)
    named = [event.message for design in batch.designs.order_by("pk") for event in design.events.all()]
    assert named == ["Imported from the image file “fox.png”.", "Imported from the image file “owl.png”."]


def test_a_run_that_imports_nothing_leaves_no_empty_batch(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"no")
    assert [o.design for o in import_files([broken], batch_name="Old work")] == [None]
    assert not Batch.objects.exists()


def test_symlinks_in_a_folder_are_not_followed(tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(image_bytes())
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "link.png").symlink_to(outside)

    assert list(import_files([folder])) == []


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("C:\\exports\\Fox.final.png", "Fox.final.png"),
        ("/srv/out/ComfyUI_0001_.webp", "ComfyUI_0001_.webp"),
        ("bell\x07.png", "bell.png"),
        ("x" * 300 + ".png", "x" * 200),
    ],
)
def test_the_history_names_the_file_without_its_folder_or_control_characters(path, name):
    # Issue 19: a file's name is no title ("sunburst_print_ready" went live); it is only said in the history.
    assert file_name(path) == name
