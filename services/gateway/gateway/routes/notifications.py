"""The in-app notification feed (applications service, fed by its events)."""
from marshmallow import Schema, fields, validate

from gateway.api import api
from gateway.rpc import rpc


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    application_id = fields.String(allow_none=True)
    data = fields.Dict()
    created_at = fields.String()
    read_at = fields.String(allow_none=True)


class NotificationFeedSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


class NotificationFeedQuerySchema(Schema):
    unread_only = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class MarkNotificationsReadSchema(Schema):
    ids = fields.List(fields.UUID(), load_default=None, allow_none=True,
                      validate=validate.Length(max=500))


class NotificationsUpdatedSchema(Schema):
    updated = fields.Integer()


@api.route("/notifications", query=NotificationFeedQuerySchema, response=NotificationFeedSchema, tag="notifications")
def feed(actor, query):
    """My notifications, newest first (status changes, remarks, the head's signatures)."""
    return rpc.call("applications", "list_notifications", actor.to_rpc(),
                    unread_only=query["unread_only"], limit=query["limit"])


@api.route("/notifications/read", "POST", body=MarkNotificationsReadSchema, response=NotificationsUpdatedSchema,
           tag="notifications")
def mark_read(actor, body):
    """Mark notifications read (all when ``ids`` is omitted)."""
    ids = [str(i) for i in body["ids"]] if body.get("ids") is not None else None
    return rpc.call("applications", "mark_notifications_read", actor.to_rpc(), ids)
