"""CNN Explorer's library: image handling, convolution maths, layer stacks, data, training, inspection.

Plain Python with no Streamlit (except the widgets in :mod:`cnnviz.ui`); TensorFlow is imported only
inside the functions that need it, so the light pages start instantly.
"""
