"""The "How a network learns" page's sections."""
