"""The web console's own rules on the server: what its masked role sees of an endpoint."""
