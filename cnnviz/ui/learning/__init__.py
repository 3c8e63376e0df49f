"""The "How a network learns" page's sections: the loss (softmax, cross-entropy) and the descent."""
