"""The going-live queue page under Products (/admin/designs/product/queue/): per shop, each paced lane's scheduled
products in order, each with its planned time in the shop's time zone and how far off it is; publishers move one
up, down or to the front, or take products out of the queue. Thin: designs/services/release_queue.py does it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from designs import pacing
from designs.services import release_queue

MAY_NOT = "You may not change the going-live queue: it needs the “publish designs” permission."
MOST_AT_ONCE = 2000


def id_or_none(value) -> int | None:
    from designs.admin.review import id_or_none as review_id  # (review's admin imports the products admin)

    return review_id(value)


def can_change_queue(request) -> bool:
    return request.user.has_perm("designs.publish_design")


class ReleaseQueueMixin:
    """Mixed into ProductAdmin: the queue page and its two POST endpoints."""

    def get_release_queue_urls(self):
        wrap = self.admin_site.admin_view  # staff login, CSRF, never_cache
        return [
            path("queue/", wrap(require_GET(self.queue_view)), name="designs_product_queue"),
            path("queue/move/", wrap(require_POST(self.queue_move_view)), name="designs_product_queue_move"),
            path("queue/cancel/", wrap(require_POST(self.queue_cancel_view)), name="designs_product_queue_cancel"),
        ]

    def queue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        shop_id = id_or_none(request.GET.get("shop"))
        shops = release_queue.queues(shop_id=shop_id, now=now)
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "admin/designs/product/queue.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Going-live queue",
                "shops": [_shown_shop(shop, now) for shop in shops],
                "shop_id": shop_id or "",
                "can_change": can_change_queue(request),
            },
        )

    def queue_move_view(self, request):
        if not can_change_queue(request):
            raise PermissionDenied(MAY_NOT)
        product_text, _, how = (request.POST.get("move") or "").partition(":")
        product_id = id_or_none(product_text)
        if product_id is None or how not in release_queue.MOVES:
            messages.error(request, "Choose a product to move up, down or to the front.")
        else:
            messages.info(request, release_queue.move(product_id, how, actor=request.user))
        return _back(request)

    def queue_cancel_view(self, request):
        if not can_change_queue(request):
            raise PermissionDenied(MAY_NOT)
        ids = [pk for pk in (id_or_none(v) for v in request.POST.getlist("product")[:MOST_AT_ONCE]) if pk]
        if not ids:
            messages.error(request, "Tick the products to take out of the queue first.")
            return _back(request)
        result = release_queue.cancel(ids, actor=request.user)
        messages.info(request, f"{result.summary('taken out of the queue')}. They stay on Printify, not in the store.")
        return _back(request)


def _back(request):
    url = reverse("admin:designs_product_queue")
    shop_id = id_or_none(request.POST.get("shop"))
    return HttpResponseRedirect(f"{url}?shop={shop_id}" if shop_id else url)


def _shown_shop(shop_queue: release_queue.ShopQueue, now) -> dict:
    return {
        "shop": shop_queue.shop,
        "total": shop_queue.total,
        "lanes": [_shown_lane(v, now) for v in shop_queue.lanes],
    }


def _shown_lane(view: release_queue.LaneQueue, now) -> dict:
    pace = view.lane.pace
    if view.window:
        window = (
            f"Listing now, until {pacing.local_text(view.window[1], pace.zone)}: {view.released} of {pace.per_day} "
            "gone live in this window."
        )
    else:
        opens = view.next_window[0]
        window = f"Outside the listing hours: the next window opens {pacing.local_text(opens, pace.zone)} "
        window += f"({pacing.relative_text(opens, now)})."
    return {
        "name": view.lane.name,
        "key": view.lane.key,
        "pace": pace.describe(source=view.lane.kind == "shop"),  # a template's lane is named after it already
        "window": window,
        "total": view.total,
        "hidden": view.hidden,
        "rows": [
            {
                "product": row.product,
                "place": row.place,
                "when": pacing.local_text(row.release_at, pace.zone) if row.release_at else "not planned yet",
                "relative": pacing.relative_text(row.release_at, now) if row.release_at else "",
                "iso": row.release_at.isoformat() if row.release_at else "",
                "first": row.place == 1,
                "last": row.place == view.total,
            }
            for row in view.rows
        ],
    }
