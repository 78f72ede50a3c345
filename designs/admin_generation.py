"""Admin for generation: Design actions (generate, cancel, variations), Batch and GenerationPreset admins."""

# Admin actions (functions decorated with @admin.action) that DesignAdmin offers; see designs/admin.py.
DESIGN_ACTIONS: list = []
