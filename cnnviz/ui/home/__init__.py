"""The Home page's parts: the course map (one card per course text) and what CNNs are used for."""
