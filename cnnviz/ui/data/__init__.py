"""The Datasets page's parts: the dataset choice (with the zip upload) and the views of a dataset."""
