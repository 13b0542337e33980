"""Provenance: Content Credentials (C2PA) signed onto every file we hand out (services, keys),
and checked for anyone (verify, reader, views, api)."""
