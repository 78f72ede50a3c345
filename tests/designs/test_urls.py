"""The webhook addresses (designs/urls.py) are registered with RunPod and Printify: they must stay where they are
and reach their receivers."""

import pytest
from django.urls import resolve, reverse

from designs import webhooks


@pytest.mark.parametrize(
    ("name", "args", "path", "view"),
    [
        ("designs:runpod_webhook", [42, "tok-en_1"], "/hooks/runpod/42/tok-en_1/", webhooks.runpod_webhook),
        ("designs:printify_webhook", [], "/hooks/printify/", webhooks.printify_webhook),
    ],
)
def test_each_webhook_keeps_the_address_it_was_registered_with(name, args, path, view):
    assert reverse(name, args=args) == path
    match = resolve(path)
    assert match.func is view and match.namespace == "designs"


def test_a_token_with_a_slash_is_not_a_runpod_address():
    from django.urls import Resolver404

    with pytest.raises(Resolver404):
        resolve("/hooks/runpod/42/tok/en/")
