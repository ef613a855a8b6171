"""Off-boarding a client at the contract's end (AV 20.4): the archive handed back, its import, the purge.

``archive.py`` writes and reads the archive, ``services.py`` starts off-boarding and purges, ``models.py``
holds the off-boarding record and the purge certificate, ``cli.py`` the commands.
"""
