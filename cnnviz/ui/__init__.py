"""Streamlit widgets and page sections (the only part of cnnviz that imports Streamlit): one package per
page (``cnnviz.ui.<page>``), and at the top only what several pages share (see docs/architecture.md)."""
