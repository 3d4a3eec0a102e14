"""The stakeholders' notice of a VDM export run: totals and a CloudFront signed download link per
export (valid for VDM_LINK_HOURS, whatever happens to any Lambda session), or what failed."""

import os
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.adapters.cdn_signing import UrlSigner, stored_private_key
from engage.obs import logger
from engage.runtime import services
from engage.vdm import failure_notice, previous_month, summary_notice


def _signer() -> UrlSigner:
    secret = services.factory.client("secretsmanager").get_secret_value(
        SecretId=os.environ["SIGNING_SECRET_ARN"]
    )
    private_pem = stored_private_key(secret["SecretString"])
    if private_pem is None:
        raise RuntimeError("the signing key secret holds no key; redeploy the assets application")
    return UrlSigner(os.environ["SIGNING_KEY_ID"], private_pem)


def _month(state: dict[str, Any]) -> str | None:
    """The month a stopped run was for, from its plan or from what started it."""
    if state.get("plan"):
        return state["plan"]["Month"]
    if state.get("Month"):
        return str(state["Month"])
    if state.get("ScheduledTime"):
        return previous_month(datetime.fromisoformat(state["ScheduledTime"])).label
    return None


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "error" in event:  # the run stopped before its jobs ran, or could not run them
        error = event["error"]
        notice = failure_notice(_month(event), error.get("Error", "Error"), error.get("Cause", ""))
    else:
        hours = float(os.environ["VDM_LINK_HOURS"])
        outcomes = event["Outcomes"]
        if all(o.get("Outcome") == "COMPLETED" for o in outcomes):
            signer = _signer()
            expires = clock.now() + timedelta(hours=hours)
            domain = os.environ["ASSET_DOMAIN"]
            outcomes = [{**o, "Link": signer.sign(f"https://{domain}/{o['Key']}", expires)} for o in outcomes]
        notice = summary_notice(event["Month"], outcomes, hours)
    logger.info("vdm export notice", extra={"month": notice["Month"], "failed": notice["Failed"]})
    return notice
