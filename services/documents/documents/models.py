"""Tables the documents service owns (its own database)."""
from pedatt_common.db import make_base
from pedatt_common.messaging import messaging_tables

Base = make_base()
messaging = messaging_tables(Base.metadata)
