"""The Pixels page's sections: the image as numbers, colour channels and codes, and how an image is
prepared for a network (resizing, normalisation)."""

#: The session key of every section drawn on demand (:func:`cnnviz.ui.on_demand.on_demand`): True while open.
OPEN_KEYS = {"resizing": "pixels_open_resizing", "normalisation": "pixels_open_normalisation"}
