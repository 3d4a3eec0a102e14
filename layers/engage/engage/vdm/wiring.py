"""The VDM export's composition root: its settings from the function's environment, and its use
cases (engage.vdm.export) on SES v2's export jobs, the asset bucket and the CloudFront URL signer,
built once per execution environment from the shared client factory. The handlers' one way in."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from engage.adapters.clients import ClientFactory, clients
from engage.adapters.cloudfront.signing import UrlSigner, stored_private_key
from engage.adapters.ses.vdm_exports import VdmExports, copy_export
from engage.config import EnvironmentSettings
from engage.vdm.export import VdmExport
from engage.vdm.model import Totals


@dataclass(frozen=True)
class VdmSettings(EnvironmentSettings):
    """The environment variables of the VDM functions, each named by its field (upper case). A
    function is given only its own: one is required when a step reads it (`require` names it),
    VDM_DATA_FORMAT defaults to CSV."""

    vdm_metrics: str | None = None  # comma-separated `NAME:AGGREGATION` items (the plan's)
    vdm_dimensions: str | None = None  # comma-separated `NAME=value|value` items (the plan's)
    vdm_data_format: str = "CSV"
    vdm_poll_seconds: str | None = None
    vdm_max_polls: str | None = None
    vdm_link_hours: str | None = None  # how long the notice's download links live (the report's)
    asset_bucket: str | None = None  # where exports are copied (the collect step's)
    asset_domain: str | None = None  # the asset distribution's domain (the report's)
    signing_key_id: str | None = None  # the CloudFront public key's id (the report's)
    signing_secret_arn: str | None = None  # the secret holding its private key (the report's)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> VdmSettings:
        return cls(**{f.name: environ[f.name.upper()] for f in fields(cls) if f.name.upper() in environ})

    # What the use cases read (engage.vdm.export.ExportSettings).
    def metrics(self) -> list[str]:
        return self.require("vdm_metrics").split(",")

    def dimensions(self) -> list[str]:
        return self.require("vdm_dimensions").split(",")

    def data_format(self) -> str:
        return self.vdm_data_format

    def poll_seconds(self) -> int:
        return int(self.require("vdm_poll_seconds"))

    def max_polls(self) -> int:
        return int(self.require("vdm_max_polls"))

    def link_hours(self) -> float:
        return float(self.require("vdm_link_hours"))

    def link_domain(self) -> str:
        return self.require("asset_domain")


def build(settings: VdmSettings, factory: ClientFactory = clients) -> VdmExport:
    """The use cases on AWS: clients are made, and the signing key read, only when a step needs them."""

    def exports_copy(link: str, key: str, metrics: list[dict[str, str]], data_format: str) -> Totals:
        return copy_export(
            link, factory.client("s3"), settings.require("asset_bucket"), key, metrics, data_format
        )

    def signer() -> UrlSigner:
        secret = factory.client("secretsmanager").get_secret_value(
            SecretId=settings.require("signing_secret_arn")
        )
        private_pem = stored_private_key(secret["SecretString"])
        if private_pem is None:
            raise RuntimeError("the signing key secret holds no key; redeploy the assets application")
        return UrlSigner(settings.require("signing_key_id"), private_pem)

    return VdmExport(
        jobs=lambda: VdmExports(factory.client("sesv2")),
        copy_export=exports_copy,
        signer=signer,
        settings=settings,
    )


@functools.cache
def vdm_export() -> VdmExport:
    """The VDM export's use cases for this execution environment, from its environment."""
    return build(VdmSettings.from_env())
