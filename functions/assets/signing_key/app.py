"""The asset distribution's signing key pair, as a custom resource (Custom::CloudFrontKeyPair): the
private key is made once and kept only in the stack's secret; every Create and Update answers the
public key (PublicKeyPem) for AWS::CloudFront::PublicKey. Delete leaves the secret to its own
resource. Every path answers CloudFormation (engage.assets.signing_key)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.assets import wiring
from engage.obs import logger


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    wiring.signing_key().handle(event)
