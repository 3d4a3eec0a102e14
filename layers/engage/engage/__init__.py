"""The `engage` package: the domain of the engagement layer Pinpoint no longer provides, and its
AWS adapters. Domain modules never import boto3; `engage.adapters.clients` is the one place that
creates AWS clients."""
