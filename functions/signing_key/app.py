"""The asset distribution's signing key pair, as a custom resource (Custom::CloudFrontKeyPair): the
private key is made once and kept only in the stack's secret; every Create and Update answers the
public key (PublicKeyPem) for AWS::CloudFront::PublicKey. Delete leaves the secret to its own
resource. Every path answers CloudFormation."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.cdn_signing import (
    new_private_key_pem,
    public_key_pem,
    secret_document,
    stored_private_key,
)
from engage.adapters.cfn_response import respond
from engage.obs import logger
from engage.runtime import services


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    secret_arn = event["ResourceProperties"]["SecretArn"]
    physical_id = event.get("PhysicalResourceId") or f"{secret_arn}#signing-key"
    try:
        if event["RequestType"] == "Delete":
            respond(event, "SUCCESS", physical_id)
            return
        secrets = services.factory.client("secretsmanager")
        private_pem = stored_private_key(secrets.get_secret_value(SecretId=secret_arn)["SecretString"])
        if private_pem is None:
            private_pem = new_private_key_pem()
            secrets.put_secret_value(SecretId=secret_arn, SecretString=secret_document(private_pem))
            logger.info("signing key made")
        public_pem = public_key_pem(private_pem)
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
        logger.exception("signing key not available", extra={"request": event["RequestType"]})
        respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
        return
    respond(event, "SUCCESS", physical_id, {"PublicKeyPem": public_pem})
