"""Users with a role per tenant, their passwords and API tokens."""
