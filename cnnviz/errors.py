"""The one exception type for bad user input."""


class InputError(ValueError):
    """Raised for any bad user input; the message is written for the user and shown as is."""
