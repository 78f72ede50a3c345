"""What a locked-out login sees (AXES_LOCKOUT_CALLABLE): an admin page that says why and for how long."""

import math

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def locked_out(request, response, credentials):
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {**admin.site.each_context(request), "title": "Too many failed logins", "minutes": minutes}
    return render(request, "podsite/locked_out.html", context, status=429)
