"""Events the documents service publishes: its public contract (names and payload fields)."""
