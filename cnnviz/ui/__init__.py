"""Streamlit widgets shared by several pages (the only part of cnnviz that imports Streamlit)."""
