import threading

from engage.adapters.clients import ClientFactory


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
