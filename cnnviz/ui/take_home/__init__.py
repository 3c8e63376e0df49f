"""The "Take it home" page: a network to download, and the way to run it on a phone."""
