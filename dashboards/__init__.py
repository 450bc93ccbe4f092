"""The Streamlit Insights app: finance dashboards and the clerk forms."""
