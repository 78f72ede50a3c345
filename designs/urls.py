from django.urls import path

from designs import webhooks

app_name = "designs"
urlpatterns = [
    # <id:…> (podsite/converters.py): an id too long for the database is a 404, not an overflow.
    path("hooks/runpod/<id:design_id>/<str:token>/", webhooks.runpod_webhook, name="runpod_webhook"),
    path("hooks/printify/", webhooks.printify_webhook, name="printify_webhook"),
]
