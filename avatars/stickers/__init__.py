"""Sticker packs: cut-outs of chosen versions, sized, encoded and counted the way each
messenger takes them (messengers: the rules as data), zipped by a job (services, tasks),
checked against those rules before they are offered, and downloaded by their owner (api)."""
