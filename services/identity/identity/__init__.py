"""PedAtt identity service: Users, passwords, login, tokens, memberships and roles."""
