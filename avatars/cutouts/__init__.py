"""Cut-outs: a version's person on a transparent ground, optionally with a die-cut outline and
a soft shadow (draw), made once per variant and kept (services), downloaded by its owner from
the avatar page (views) and the API (api)."""
