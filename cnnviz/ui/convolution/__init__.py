"""The Convolution page's sections: the sliding kernel and its feature map, activation and pooling,
colour and 1-D, the course's worked examples, transposed and depthwise/separable convolutions."""

#: The session key of every section drawn on demand (:func:`cnnviz.ui.on_demand.on_demand`): True while open.
OPEN_KEYS = {
    "pooling": "conv_open_pooling",
    "padding": "conv_open_padding",
    "worked": "conv_open_worked",
    "colour": "conv_open_colour",
    "one_dimension": "conv_open_1d",
    "biology": "conv_open_biology",
    "transposed": "conv_open_transposed",
    "costs": "conv_open_costs",
}
