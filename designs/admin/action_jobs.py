"""The progress page of an admin action carried out on a worker (designs/services/action_jobs.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET

from designs.job_models import ActionJob
from designs.services import action_jobs

REFRESH_SECONDS = 2


class ActionJobMixin:
    """Mixed into DesignAdmin: /admin/designs/design/jobs/<id>/, seen by whoever started the job (or a superuser)."""

    def get_action_job_urls(self):
        view = self.admin_site.admin_view(require_GET(self.action_job_view))
        return [path("jobs/<id:job_id>/", view, name="designs_design_action_job")]

    def action_job_view(self, request, job_id: int):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        job = ActionJob.objects.filter(pk=job_id).first()
        if job is None or not (request.user.is_superuser or job.created_by_id == request.user.pk):
            raise Http404("No such job.")
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "admin/designs/design/action_job.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": job.label,
                "refresh_seconds": REFRESH_SECONDS,
                **action_jobs.progress(job),
            },
        )
