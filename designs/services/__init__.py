"""What staff and commands ask for. Each use case takes designs (instances, ids or a queryset) and the acting
user, changes them through designs.workflow, and returns a result the edge (admin, review page, command) reports.
"""
