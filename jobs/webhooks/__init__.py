"""Webhooks: registered endpoints, signed deliveries of finished jobs, their attempts."""
