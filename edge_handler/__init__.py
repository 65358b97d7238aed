"""The Lambda@Edge viewer-request token check (handler.py) and its archive builder (build.py)."""
