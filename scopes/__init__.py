"""Scopes of the Stacks authRequest (grows with the protocol)."""
