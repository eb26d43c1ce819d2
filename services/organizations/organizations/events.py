"""Events the organizations service publishes: its public contract (names and payload fields)."""
