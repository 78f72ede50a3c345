"""Read one order from Printify and record it (designs/sales.py): what an order webhook sets off.

The webhook carries ids and little else, and events come duplicated and out of order, so the worker never trusts
one: it reads the order as Printify has it now. A read that fails is left to the order sync, which re-reads every
unfinished order (designs/workers/order_sync.py).
"""

from __future__ import annotations

import logging

from designs.machine import Source
from designs.sales import OrderPayloadInvalid, Recorded, record_order
from designs.shops import default_printify_id

logger = logging.getLogger(__name__)


def read_order(printify_order_id: str, shop_id: str | None = None) -> Recorded | None:
    """Read and record one order; None when Printify could not give it (logged, without the answer's body)."""
    from designs.clients import printify_client
    from integrations.http import IntegrationError

    shop_id = str(shop_id or default_printify_id())
    try:
        payload = printify_client().get_order(shop_id, printify_order_id)
        return record_order(payload, shop_id=shop_id, source=Source.WORKER)
    except (IntegrationError, OrderPayloadInvalid) as error:
        logger.warning("Order %s: could not read it from Printify: %s", printify_order_id, error)
        return None
