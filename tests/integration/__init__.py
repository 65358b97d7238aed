"""Live tests against AWS (skipped unless enabled) and their offline-tested helpers."""
