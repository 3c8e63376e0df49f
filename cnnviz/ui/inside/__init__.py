"""The Inside page's parts: the model choice, the input, the four tabs and the live try-out of a "My classes" model."""
