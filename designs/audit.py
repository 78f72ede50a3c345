"""The admin's audit trail (django.contrib.admin LogEntry) for what staff did to designs, wherever it was carried out:
in the request, or on a worker for a large selection. Written in bulk inserts, one entry per design."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from designs.models import Design

CHUNK = 2000


def log_changes(actor, ids: list[int], message: str, *, model=Design, fields=("pk", "title", "prompt")) -> None:
    """One CHANGE entry per design, or per row of `model` (a product), whose name is made of `fields` (the bulk form
    of ModelAdmin.log_change; LogEntryManager.log_actions, Django 5.1+)."""
    _log(actor, ids, CHANGE, message, model=model, fields=fields)


def log_additions(actor, design_ids: list[int], message: str) -> None:
    """One ADDITION entry per design made (variations, the add form's ModelAdmin.log_addition in bulk)."""
    _log(actor, design_ids, ADDITION, message)


def log_deletions(actor, design_ids: list[int]) -> None:
    """One DELETION entry per design, written before the designs go (as Django's delete_selected does)."""
    _log(actor, design_ids, DELETION, "")


def _log(actor, ids: list[int], flag: int, message: str, *, model=Design, fields=("pk", "title", "prompt")) -> None:
    user_id = getattr(actor, "pk", actor)
    if not user_id or not ids:
        return  # commands and workers act as nobody: their events say so in the design's history
    for start in range(0, len(ids), CHUNK):
        rows = model.objects.filter(pk__in=ids[start : start + CHUNK]).only(*fields)
        LogEntry.objects.log_actions(user_id=user_id, queryset=rows, action_flag=flag, change_message=message)
