"""The Streamlit app's pages and what only they need: session state, HTML fragments, table rows, the style sheet."""
