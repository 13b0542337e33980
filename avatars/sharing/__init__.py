"""Sharing: a link anyone can open to one avatar (services, the owner's share form, the public
pages, the API), and reports of shared avatars."""
