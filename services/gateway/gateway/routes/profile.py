"""The caller's own staff profile in the active organization."""
from gateway.api import api
from gateway.routes.staff import ProfileInSchema, StaffSchema
from gateway.rpc import rpc


@api.route("/profile", response=StaffSchema, tag="profile", errors=(403,))
def get_profile(actor):
    """My profile: position, subjects, experience, education, current category, contacts."""
    return rpc.call("organizations", "get_my_profile", actor.to_rpc())


@api.route("/profile", "PATCH", body=ProfileInSchema, response=StaffSchema, tag="profile",
           errors=(403, 409, 422))
def update_profile(actor, body):
    """Edit my profile (partial update)."""
    return rpc.call("organizations", "update_my_profile", actor.to_rpc(), body)
