"""Assets: the asset distribution's signing key pair (A14, the simple CMS)."""
