"""Tracker webhooks: the AfterShip endpoint, its signature check and its body reader."""
