"""django-q2's admin pages, read-only for everyone, superusers included.

A schedule's or a queued task's func (and hook) is any importable callable, os.system included, so whoever could
add or change one would run code as the worker user; "resubmit" re-runs whatever a task row names. Our schedules
come from migrations and code, and the reconciler, not a person, decides what runs again. Failed tasks may still
be deleted: django-q2 trims only successful ones (save_limit).
"""

import django_q.admin  # registers django-q2's own admins, replaced below
from django.contrib import admin
from django_q.models import Failure, OrmQ, Schedule, Success

from podsite.admin_guards import AdminGuardsMixin, ReadOnlyAdminMixin


class ReadOnlyMixin(AdminGuardsMixin, ReadOnlyAdminMixin):
    actions = ()


class ScheduleAdmin(ReadOnlyMixin, django_q.admin.ScheduleAdmin):
    pass


class SuccessAdmin(ReadOnlyMixin, django_q.admin.TaskAdmin):
    pass


class FailureAdmin(ReadOnlyMixin, django_q.admin.FailAdmin):
    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


class QueueAdmin(ReadOnlyMixin, django_q.admin.QueueAdmin):
    pass


for model, model_admin in ((Schedule, ScheduleAdmin), (Success, SuccessAdmin), (Failure, FailureAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
if admin.site.is_registered(OrmQ):  # django-q2 registers it only for the ORM broker
    admin.site.unregister(OrmQ)
    admin.site.register(OrmQ, QueueAdmin)
