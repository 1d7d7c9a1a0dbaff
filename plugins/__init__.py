"""Source plugins that ship with the service, each declared as an entry point (group lrs.plugins)."""
