"""The Pixels page's sections: the image as numbers, colour channels and codes, and how an image is
prepared for a network (resizing, normalisation)."""
