"""`make clients`, `make new-client` and `make revoke`: a stack's named clients."""

from tools import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {"client_rows": "clients", "env_client_token": "clients", "render_clients": "clients"},
)
