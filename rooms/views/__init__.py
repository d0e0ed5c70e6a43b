"""The chat's pages and fragments, one module per resource; thin: a form, a permission, an
action or a query, a response."""
