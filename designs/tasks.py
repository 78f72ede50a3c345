"""django-q2 entry points. Thin: each one calls generation.py or publishing.py.

A task may run twice, late, or never (the broker is only a wake-up call); the functions it calls claim
their design with a conditional transition first and exit quietly when the claim fails.
"""


def reconcile():
    """Scheduled every minute: wake the work of designs that sat too long in queued/generating/publishing."""
    from designs import generation, publishing

    generation.reconcile()
    publishing.reconcile()


# --- generation tasks (designs/generation.py) ---


# --- publishing tasks (designs/publishing.py) ---
