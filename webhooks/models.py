"""Webhooks: a developer's URLs that hear when a version finishes (issue #13)."""
