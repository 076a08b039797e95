"""Models: SIWS nonces (when the database is the nonce store), the accounts linked to users,
the tokens already used (legacy replay cache) and the sign-in audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SiwsNonce(models.Model):
    """A SIWS nonce bound to ``chain:address``; consumed by one conditional ``UPDATE``."""

    nonce = models.CharField(max_length=64, primary_key=True)
    binding = models.CharField(max_length=128)
    expires_at = models.FloatField()
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = "SIWS nonce"


class StacksAccount(models.Model):
    """An address (CAIP-10 id) or legacy identity (DID) linked to a user."""

    account_id = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stacks_accounts"
    )
    address = models.CharField(max_length=64)
    chain_id = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=16)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ("first_seen", "account_id")

    def __str__(self) -> str:
        return str(self.account_id)


class UsedToken(models.Model):
    """A legacy authResponse already accepted (issuer and ``jti``), until it expires."""

    key = models.CharField(max_length=255, primary_key=True)
    expires_at = models.FloatField()


class SignInEvent(models.Model):
    """The audit trail: sign-ins, links, unlinks, logouts and refusals (with their code)."""

    at = models.DateTimeField(auto_now_add=True)
    event = models.CharField(max_length=16)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    account_id = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=16, blank=True)
    code = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ("-at",)
