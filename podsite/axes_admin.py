"""django-axes' admin pages with the changelist guards. Deleting an access attempt unlocks that username and
address; the logs are records and stay read-only."""

import axes.admin  # registers django-axes' own admins, replaced below
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from podsite.admin_guards import AdminGuardsMixin
from podsite.q_admin import ReadOnlyMixin


class AccessAttemptAdmin(AdminGuardsMixin, axes.admin.AccessAttemptAdmin):
    def has_change_permission(self, request, obj=None):
        return False


class AccessLogAdmin(ReadOnlyMixin, axes.admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(ReadOnlyMixin, axes.admin.AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
