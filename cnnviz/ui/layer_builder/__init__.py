"""The Layer builder page's parts: the editor (its fields and its callbacks) and the results."""
