"""Admin registration."""

from __future__ import annotations

from django.contrib import admin

from .models import SignInEvent, SiwsNonce, StacksAccount


@admin.register(StacksAccount)
class StacksAccountAdmin(admin.ModelAdmin):
    list_display = ("account_id", "user", "method", "chain_id", "first_seen", "last_seen")
    search_fields = ("account_id", "address")
    list_filter = ("method", "chain_id")


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    list_display = ("at", "event", "user", "account_id", "method", "code", "ip")
    list_filter = ("event", "method", "code")
    readonly_fields = ("at", "event", "user", "account_id", "method", "code", "ip")


@admin.register(SiwsNonce)
class SiwsNonceAdmin(admin.ModelAdmin):
    list_display = ("nonce", "binding", "expires_at", "used")
