"""The admin, one module per screen: design.py (workbench and its review actions), review.py (the keyboard review
page), generation.py (generation actions, batches, presets), publishing.py (publishing actions, product
templates); confirm.py is the one "are you sure?" page, display.py how things are shown."""

from designs.admin import (  # noqa: F401 (registers the ModelAdmins)
    compliance,
    design,
    generation,
    orders,
    products,
    publishing,
    shops,
    templates,
)
