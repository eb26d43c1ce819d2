"""Events the assessment service publishes: its public contract (names and payload fields)."""
