"""Moderation: the rule of what a decision leaves people free to do (rules), automatic flags
(flags), and the moderators' decisions with their audit trail (services)."""
