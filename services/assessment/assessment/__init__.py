"""PedAtt assessment service: The organization's review of applications and forwarding to the state service."""
