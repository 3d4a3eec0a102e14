"""Publishing the web console: its built files (`make console`: build/console/) and the config.json
its pages read, put in the console's bucket. `make deploy` runs `python -m engage_cli.console
publish` after `sam deploy` (the stack's outputs name the bucket, pools and API; CloudFront is told
to fetch the two files that keep their names); the local stack publishes the same way, with its
emulator standing in for Cognito's endpoints."""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "console"
# Files Vite names by their content live for a year; the page and its configuration are asked for
# again every time, so a new release or a changed stack is seen at the next load.
FRESH = ("index.html", "config.json")


def settings(
    outputs: dict[str, str], region: str, api_url: str, cognito_endpoint: str | None = None
) -> dict[str, Any]:
    """The console's config.json for a deployed stack (its outputs)."""
    config = {
        "region": region,
        "apiUrl": api_url,
        "userPoolId": outputs["ConsoleUserPoolId"],
        "userPoolClientId": outputs["ConsoleUserPoolClientId"],
        "identityPoolId": outputs["ConsoleIdentityPoolId"],
    }
    if cognito_endpoint:
        config |= {"cognitoIdpEndpoint": cognito_endpoint, "cognitoIdentityEndpoint": cognito_endpoint}
    return config


def publish(s3: Any, bucket: str, config: dict[str, Any], build: Path = BUILD) -> int:
    """Puts the built console and its config.json in `bucket`; returns how many files (0 when the
    console has not been built)."""
    if not (build / "index.html").exists():
        return 0
    files = [p for p in sorted(build.rglob("*")) if p.is_file() and p.name != "config.json"]
    for path in files:
        key = path.relative_to(build).as_posix()
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            CacheControl="no-cache" if key in FRESH else "public, max-age=31536000, immutable",
        )
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )
    return len(files) + 1


def publish_deployed(config_env: str, samconfig: Path = ROOT / "samconfig.toml") -> str:
    """Publishes the console of the stack a samconfig environment deploys; returns its URL."""
    import boto3

    deploy = tomllib.loads(samconfig.read_text())[config_env]["deploy"]["parameters"]
    session = boto3.session.Session(region_name=deploy.get("region"))
    clients = {name: session.client(name) for name in ("cloudformation", "s3", "cloudfront")}
    return publish_stack(clients, deploy["stack_name"], session.region_name)


def publish_stack(clients: dict[str, Any], stack_name: str, region: str, build: Path = BUILD) -> str:
    """Publishes a deployed stack's console (its outputs name the bucket, pools and API) and has
    CloudFront fetch the files that keep their names; returns the console's URL."""
    (stack,) = clients["cloudformation"].describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    config = settings(outputs, region, outputs["PinpointApiUrl"])
    if not publish(clients["s3"], outputs["ConsoleBucketName"], config, build):
        raise SystemExit("the console is not built: run `make console` first")
    clients["cloudfront"].create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": len(FRESH), "Items": [f"/{name}" for name in FRESH]},
            "CallerReference": f"console-{time.time_ns()}",
        },
    )
    return f"https://{outputs['ConsoleDomainName']}/"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m engage_cli.console")
    parser.add_argument("action", choices=["publish"])
    parser.add_argument("--config-env", default="default", help="the samconfig.toml environment deployed")
    args = parser.parse_args()
    print(f"console published: {publish_deployed(args.config_env)}")


if __name__ == "__main__":
    main()
