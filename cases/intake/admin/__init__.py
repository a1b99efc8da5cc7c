"""The admin pages of intake: import runs and the order import, the tracking import, the bundle upload,
webhook deliveries."""
