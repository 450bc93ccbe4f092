"""What the pages write back: form rows and page decisions -> drafts -> the services.

Plain functions, no Streamlit.
"""
