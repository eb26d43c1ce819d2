"""Events the identity service publishes: its public contract (names and payload fields)."""
