"""The fines screens: the blueprint (views), its forms, the labels that show stored codes in the
user's language, and the templates and static files."""
