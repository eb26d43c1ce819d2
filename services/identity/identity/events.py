"""Events the identity service publishes: its public contract (names and payload fields).

None: every change of identity data is made on request of a caller that gets the result
synchronously (organizations for staff, the gateway for logins and passwords). Events without a
bound consumer queue would only stall this service's outbox relay (see pedatt_common.messaging).
"""
