"""moto in-process, with the tables and stream created from the root template's own definitions."""

from __future__ import annotations

import random

import pytest
from engage.adapters.clients import ClientFactory
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.suppression import DynamoSuppressionList
from engage.adapters.kinesis.stream import KinesisEventStream
from engage.contacts import ContactStore
from engage.retry import Backoff
from moto import mock_aws

from devtools.template import create_stream, create_table
from engage_local.patches import local_dynamodb


@pytest.fixture
def aws():
    with mock_aws(), local_dynamodb():  # DynamoDB as the local stack runs it
        yield ClientFactory(region="us-east-1")


@pytest.fixture
def dynamodb(aws):
    return aws.client("dynamodb")


@pytest.fixture
def contacts_table(dynamodb):
    return create_table(dynamodb, "ContactsTable")


@pytest.fixture
def repository(dynamodb, contacts_table):
    return DynamoEndpointRepository(contacts_table, dynamodb)


@pytest.fixture
def store(repository):
    return ContactStore(repository, backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0)))


@pytest.fixture
def consent(dynamodb):
    return DynamoConsentStore(create_table(dynamodb, "ConsentTable"), dynamodb)


@pytest.fixture
def suppression(dynamodb):
    return DynamoSuppressionList(create_table(dynamodb, "SuppressionTable"), dynamodb)


@pytest.fixture
def stream(aws):
    client = aws.client("kinesis")
    return KinesisEventStream(create_stream(client), client)
