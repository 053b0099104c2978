"""The `kb` command line (`kb = "kb.cli:main"`): `main.py` holds the parser, one module per command group."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
