"""designs/tasks.py is what the broker calls by name: every name the code sends (enqueue, enqueue_later,
async_task, the migrations' schedules) must be a task there that accepts the arguments sent with it."""

import ast
import inspect
from pathlib import Path

import pytest
from django.conf import settings

from designs import tasks

SENDERS = {"enqueue", "enqueue_later", "async_task", "schedule"}
PREFIX = "designs.tasks."


def sent_tasks() -> list[tuple[str, str, list, dict]]:
    """(where, task name, positional args, keyword names) of every call that sends a task by name."""
    found = []
    for path in sorted((Path(settings.BASE_DIR) / "designs").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            call, args = node, list(node.args)
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            if name == "partial" and args and getattr(args[0], "id", "") in SENDERS:
                name, args = args[0].id, args[1:]
            if name not in SENDERS or not args or not isinstance(args[0], ast.Constant):
                continue
            task = str(args[0].value).removeprefix(PREFIX)
            keywords = {k.arg for k in call.keywords if k.arg} - {"delay", "schedule_type", "next_run", "repeats"}
            found.append((f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}", task, args[1:], keywords))
        if "migrations" in path.parts:  # schedules name their task in a string
            for constant in ast.walk(tree):
                if isinstance(constant, ast.Constant) and str(constant.value).startswith(PREFIX):
                    task = constant.value.removeprefix(PREFIX)
                    found.append((str(path.relative_to(settings.BASE_DIR)), task, [], set()))
    return found


def test_the_walk_finds_the_tasks_the_code_sends():
    names = {task for _, task, _, _ in sent_tasks()}
    assert {"reconcile", "run_generation_pump", "update_listing", "learn_costs", "publish_product"} <= names


@pytest.mark.parametrize(("where", "task", "args", "keywords"), sent_tasks(), ids=lambda value: str(value)[:60])
def test_every_task_sent_exists_and_takes_what_is_sent(where, task, args, keywords):
    function = getattr(tasks, task, None)
    assert callable(function), f"{where} sends designs.tasks.{task}, which does not exist"
    signature = inspect.signature(function)
    signature.bind(*[None] * len(args), **dict.fromkeys(keywords))  # raises TypeError when it does not fit
