"""Admin for publishing: Design actions (publish, retry, unpublish) and the ProductTemplate admin."""

# Admin actions (functions decorated with @admin.action) that DesignAdmin offers; see designs/admin.py.
DESIGN_ACTIONS: list = []
