import os
import threading

from engage.adapters import clients
from engage.adapters.clients import ClientFactory, new_session, shared_loader


def test_clients_use_standard_retries_and_the_configured_region():
    client = ClientFactory(region="eu-west-1", max_attempts=7).client("sqs")
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 7}


def test_region_comes_from_the_lambda_environment(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    assert ClientFactory().client("kinesis").meta.region_name == "ap-southeast-2"


def test_aws_endpoint_url_is_honoured(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4599")
    monkeypatch.setenv("AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4600")
    factory = ClientFactory()
    assert factory.client("dynamodb").meta.endpoint_url == "http://127.0.0.1:4599"
    assert factory.client("kinesis").meta.endpoint_url == "http://127.0.0.1:4600"


def test_clients_are_created_lazily_once_and_reused_across_threads():
    factory = ClientFactory()
    assert factory._clients == {}
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(factory.client("dynamodb"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in seen}) == 1
    assert list(factory._clients) == ["dynamodb"]
    factory.reset()
    assert factory.client("dynamodb") is not seen[0]


def test_sessions_read_aws_data_once_through_the_shared_loader_and_keep_their_own_credentials():
    first = new_session(aws_access_key_id="AKIAFIRST", aws_secret_access_key="x", region_name="eu-west-1")
    second = new_session(aws_access_key_id="AKIASECOND", aws_secret_access_key="y")
    loader = shared_loader()
    assert first._session.get_component("data_loader") is loader
    assert second._session.get_component("data_loader") is loader
    # boto3 adds its own data folder at every session: the shared list holds it once.
    assert len(loader.search_paths) == len(set(loader.search_paths))
    first.client("sqs")
    reads = []
    original = loader.file_loader.load_file
    loader.file_loader.load_file = lambda path: reads.append(path) or original(path)
    try:
        client = second.client("sqs", region_name="us-west-2")
    finally:
        loader.file_loader.load_file = original
    assert reads == []  # the model, endpoints and rules were read for the first session only
    assert first.get_credentials().access_key == "AKIAFIRST"
    assert client._request_signer._credentials.access_key == "AKIASECOND"
    assert (first.region_name, client.meta.region_name) == ("eu-west-1", "us-west-2")


def test_the_shared_loader_reads_aws_data_path_first(monkeypatch, tmp_path):
    monkeypatch.setattr(clients, "_loader", [])
    monkeypatch.setenv("AWS_DATA_PATH", f"{tmp_path}/models{os.pathsep}~/more")
    loader = shared_loader()
    assert loader.search_paths[:2] == [f"{tmp_path}/models", os.path.expanduser("~/more")]
