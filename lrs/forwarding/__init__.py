"""Statement forwarding: a tenant's statements flow on to other LRSs and HTTP endpoints."""
