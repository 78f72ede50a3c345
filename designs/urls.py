from django.urls import path  # noqa: F401  (routes are added by the review and webhook views)

app_name = "designs"
urlpatterns: list = []
