"""The Convolution page's sections: the sliding kernel and its feature map, activation and pooling,
colour and 1-D, the course's worked examples, transposed and depthwise/separable convolutions."""
