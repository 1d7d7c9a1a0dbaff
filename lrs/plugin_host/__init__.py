"""Source plugins turn other tools' events into statements; the host does HTTP, auth, storage, bookkeeping."""
