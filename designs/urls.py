from django.urls import path

from designs import webhooks

app_name = "designs"
urlpatterns = [
    path("hooks/runpod/<int:design_id>/<str:token>/", webhooks.runpod_webhook, name="runpod_webhook"),
    path("hooks/printify/", webhooks.printify_webhook, name="printify_webhook"),
]
