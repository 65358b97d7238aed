"""Reading Pulumi.<stack>.yaml offline, as the Pulumi CLI reads it."""

from tools import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "CLIENTS_KEY": "reader",
        "ROOT": "reader",
        "SECRET_KEYS": "reader",
        "TOKEN_KEYS": "reader",
        "ClientTokenSource": "reader",
        "StackFile": "reader",
        "StackFileError": "reader",
        "available_stacks": "reader",
        "client_token_env": "reader",
        "placeholder_client_token": "reader",
        "read_stack_file": "reader",
        "stack_file_name": "stack_arg",
    },
)
