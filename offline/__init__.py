"""Tools that run the product on this machine without AWS or the Pulumi CLI."""
