"""The people directory: people, identities, managers, teams; CSV import; erasure."""
