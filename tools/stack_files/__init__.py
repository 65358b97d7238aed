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
        "stack_file_name": "reader",
        "LOCAL_TOKENS_FOLDER": "local_tokens:FOLDER",
        "any_encrypted_client_token": "local_tokens",
        "local_only_tokens": "local_tokens",
        "local_tokens_path": "local_tokens",
        "read_stack_file_and_tokens": "local_tokens",
        "token_environment": "local_tokens",
        "with_local_tokens": "local_tokens",
        "StackOutputError": "outputs",
        "stack_output": "outputs",
    },
)
