"""Events the organizations service publishes (through the outbox): its public contract.

Every payload has ``organization_id`` and, for staff events, ``user_id``.

| event | data |
|---|---|
| ``organization_created`` | ``organization_id``, ``bin`` |
| ``organization_updated`` | ``organization_id``, ``fields`` (names of changed fields) |
| ``staff_added`` | ``organization_id``, ``user_id``, ``roles`` |
| ``staff_role_assigned`` | ``organization_id``, ``user_id``, ``role``, ``roles`` (after) |
| ``staff_role_revoked`` | ``organization_id``, ``user_id``, ``role``, ``roles`` (after) |
| ``staff_deactivated`` / ``staff_activated`` | ``organization_id``, ``user_id`` |
| ``profile_updated`` | ``organization_id``, ``user_id``, ``fields`` |
"""
ORGANIZATION_CREATED = "organization_created"
ORGANIZATION_UPDATED = "organization_updated"
STAFF_ADDED = "staff_added"
STAFF_ROLE_ASSIGNED = "staff_role_assigned"
STAFF_ROLE_REVOKED = "staff_role_revoked"
STAFF_DEACTIVATED = "staff_deactivated"
STAFF_ACTIVATED = "staff_activated"
PROFILE_UPDATED = "profile_updated"
