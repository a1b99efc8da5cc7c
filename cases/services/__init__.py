"""Writes of the case domain: keyword-only services that check permissions, audit and queue tasks."""
