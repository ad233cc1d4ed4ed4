"""Build the MLSys·im labs into a self-contained offline static site (see ``python -m wasm_build --help``)."""

__all__ = ["build", "serve"]
