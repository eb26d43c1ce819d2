"""Events the applications service publishes: its public contract (names and payload fields)."""
