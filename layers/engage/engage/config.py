"""Configuration read from the function's environment. A value written `ssm:<parameter name>` is
read from SSM Parameter Store through Powertools Parameters (cached, decrypted)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from engage.errors import ValidationError

SSM_PREFIX = "ssm:"
SSM_MAX_AGE_SECONDS = 300


def resolve(value: str, ssm_client: Any = None) -> str:
    """Returns `value`, or the SSM parameter it names when written `ssm:/path/name`."""
    if not value.startswith(SSM_PREFIX):
        return value
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    if ssm_client is None:
        from engage.adapters.clients import clients

        ssm_client = clients.client("ssm")
    provider = SSMProvider(boto3_client=ssm_client)
    return str(provider.get(value.removeprefix(SSM_PREFIX), max_age=SSM_MAX_AGE_SECONDS, decrypt=True))


class EnvironmentSettings:
    """What every settings dataclass shares (engage.config.Settings and each area's, in its wiring):
    the environment variable each field is read from (ENV_NAMES, else the field's name in upper
    case), and `require`, which names that variable when it is missing."""

    ENV_NAMES: ClassVar[Mapping[str, str]] = {}

    def variable(self, name: str) -> str:
        return self.ENV_NAMES.get(name, name.upper())

    def require(self, name: str) -> Any:
        """The named setting, or a clear error naming the environment variable that is missing."""
        value = getattr(self, name)
        if value is None or value == "":
            raise ValidationError(self.variable(name), "is not set in this function's environment")
        return value


@dataclass(frozen=True)
class Settings(EnvironmentSettings):
    """Names of the core resources, as the template passes them to every function."""

    contacts_table: str = ""
    applications_table: str = ""
    aws_account_id: str = ""
    aws_partition: str = "aws"
    removal_queue_url: str = ""
    consent_table: str = ""
    suppression_table: str = ""
    event_stream: str = ""
    stage: str = "dev"
    jobs_table: str = ""
    segments_table: str = ""
    import_workflow: str = ""
    import_chunk_size: str = "1000"
    import_concurrency: str = "4"
    work_bucket: str = ""
    export_part_size: str = "10000"
    phone_cache_table: str = ""
    phone_cache_ttl_days: str = "30"
    phone_validate_rate: str = "20"
    validation_concurrency: str = "4"
    validation_part_size: str = "250"
    default_country: str = "US"
    export_function: str = ""
    direct_send_function: str = ""
    erasure_function: str = ""
    send_max_paused_hours: str = "24"
    attachment_bucket: str = ""
    attachment_max_message_bytes: str = str(40 * 1024 * 1024)
    templates_table: str = ""
    campaigns_table: str = ""
    journeys_table: str = ""
    campaign_part_size: str = "1000"
    campaign_concurrency: str = "4"
    hook_batch_size: str = "50"
    hook_failure_policy: str = "SKIP"
    campaign_topic: str = ""
    chain_workflow: str = ""
    chain_approval: str = "AUTO"
    chain_approval_timeout: str = "86400"
    campaign_workflow: str = ""
    campaign_schedule_group: str = ""
    campaign_schedule_target: str = ""
    campaign_schedule_role: str = ""
    campaign_schedule_dlq: str = ""
    journey_participants_table: str = ""
    journey_step_queue_url: str = ""
    journey_entry_workflow: str = ""
    journey_wake_group: str = ""
    journey_wake_target: str = ""
    journey_wake_role: str = ""
    journey_wake_dlq: str = ""
    sends_table: str = ""
    archive_bucket: str = ""
    send_queue_url: str = ""
    email_from_address: str = ""
    ses_configuration_set: str = ""
    sms_origination_identity: str = ""
    sms_configuration_set: str = ""
    text_messages_per_second: str = "1"
    text_identity_rates: str = ""  # JSON: {"<origination identity>": messages per second}
    push_project_id: str = ""
    push_messages_per_second: str = "100"
    # PutDialRequestBatch calls per second into a journey's Amazon Connect outbound campaigns
    contact_center_requests_per_second: str = "5"
    custom_batch_size: str = "50"
    webhook_secret: str = ""
    allow_local_webhooks: str = "false"
    send_lease_seconds: str = "90"
    resend_uncertain_transactional: str = "false"
    transactional_after_opt_out: str = "false"
    unsubscribe_url: str = ""
    unsubscribe_mailto: str = ""
    unsubscribe_secret: str = ""
    erasure_secret: str = ""
    sms_drops_table: str = ""
    sms_drop_queue_url: str = ""
    sms_drop_max_parts: str = "10"
    sms_drop_max_rows: str = "50000"
    sms_drop_identities: str = ""  # comma-separated: the identities a drop's rows may send from
    sms_opt_out_list_prefix: str = ""  # each application's opt-out list is <prefix>-<application id>

    ENV_NAMES = {  # noqa: RUF012 - a class constant, not a field
        "contacts_table": "CONTACTS_TABLE",
        "applications_table": "APPLICATIONS_TABLE",
        "aws_account_id": "AWS_ACCOUNT_ID",
        "aws_partition": "AWS_PARTITION",
        "removal_queue_url": "APP_REMOVAL_QUEUE_URL",
        "consent_table": "CONSENT_TABLE",
        "suppression_table": "SUPPRESSION_TABLE",
        "event_stream": "EVENT_STREAM",
        "stage": "STAGE",
        "jobs_table": "JOBS_TABLE",
        "segments_table": "SEGMENTS_TABLE",
        "import_workflow": "IMPORT_WORKFLOW_ARN",
        "import_chunk_size": "IMPORT_CHUNK_SIZE",
        "import_concurrency": "IMPORT_CONCURRENCY",
        "work_bucket": "WORK_BUCKET",
        "export_part_size": "EXPORT_PART_SIZE",
        "phone_cache_table": "PHONE_CACHE_TABLE",
        "phone_cache_ttl_days": "PHONE_CACHE_TTL_DAYS",
        "phone_validate_rate": "PHONE_VALIDATE_RATE",
        "validation_concurrency": "VALIDATION_CONCURRENCY",
        "validation_part_size": "VALIDATION_PART_SIZE",
        "default_country": "DEFAULT_COUNTRY",
        "export_function": "EXPORT_FUNCTION",
        "direct_send_function": "DIRECT_SEND_FUNCTION",
        "erasure_function": "ERASURE_FUNCTION",
        "send_max_paused_hours": "SEND_MAX_PAUSED_HOURS",
        "attachment_bucket": "ATTACHMENT_BUCKET",
        "attachment_max_message_bytes": "ATTACHMENT_MAX_MESSAGE_BYTES",
        "templates_table": "TEMPLATES_TABLE",
        "campaigns_table": "CAMPAIGNS_TABLE",
        "journeys_table": "JOURNEYS_TABLE",
        "campaign_part_size": "CAMPAIGN_PART_SIZE",
        "campaign_concurrency": "CAMPAIGN_CONCURRENCY",
        "hook_batch_size": "HOOK_BATCH_SIZE",
        "hook_failure_policy": "HOOK_FAILURE_POLICY",
        "campaign_topic": "CAMPAIGN_TOPIC_ARN",
        "chain_workflow": "CHAIN_WORKFLOW_ARN",
        "chain_approval": "CHAIN_APPROVAL",
        "chain_approval_timeout": "CHAIN_APPROVAL_TIMEOUT_SECONDS",
        "campaign_workflow": "CAMPAIGN_WORKFLOW_ARN",
        "campaign_schedule_group": "CAMPAIGN_SCHEDULE_GROUP",
        "campaign_schedule_target": "CAMPAIGN_SCHEDULE_TARGET_ARN",
        "campaign_schedule_role": "CAMPAIGN_SCHEDULE_ROLE_ARN",
        "campaign_schedule_dlq": "CAMPAIGN_SCHEDULE_DLQ_ARN",
        "journey_participants_table": "JOURNEY_PARTICIPANTS_TABLE",
        "journey_step_queue_url": "JOURNEY_STEP_QUEUE_URL",
        "journey_entry_workflow": "JOURNEY_ENTRY_WORKFLOW_ARN",
        "journey_wake_group": "JOURNEY_WAKE_GROUP",
        "journey_wake_target": "JOURNEY_WAKE_FUNCTION_ARN",
        "journey_wake_role": "JOURNEY_WAKE_ROLE_ARN",
        "journey_wake_dlq": "JOURNEY_WAKE_DLQ_ARN",
        "sends_table": "SENDS_TABLE",
        "archive_bucket": "ARCHIVE_BUCKET",
        "send_queue_url": "SEND_QUEUE_URL",
        "email_from_address": "EMAIL_FROM_ADDRESS",
        "ses_configuration_set": "SES_CONFIGURATION_SET",
        "sms_origination_identity": "SMS_ORIGINATION_IDENTITY",
        "sms_configuration_set": "SMS_CONFIGURATION_SET",
        "text_messages_per_second": "TEXT_MESSAGES_PER_SECOND",
        "text_identity_rates": "TEXT_IDENTITY_RATES",
        "push_project_id": "PUSH_PROJECT_ID",
        "push_messages_per_second": "PUSH_MESSAGES_PER_SECOND",
        "contact_center_requests_per_second": "CONTACT_CENTER_REQUESTS_PER_SECOND",
        "custom_batch_size": "CUSTOM_BATCH_SIZE",
        "webhook_secret": "WEBHOOK_SECRET_ARN",
        "allow_local_webhooks": "ALLOW_LOCAL_WEBHOOKS",
        "send_lease_seconds": "SEND_LEASE_SECONDS",
        "resend_uncertain_transactional": "RESEND_UNCERTAIN_TRANSACTIONAL",
        "transactional_after_opt_out": "TRANSACTIONAL_AFTER_OPT_OUT",
        "unsubscribe_url": "UNSUBSCRIBE_URL",
        "unsubscribe_mailto": "UNSUBSCRIBE_MAILTO",
        "unsubscribe_secret": "UNSUBSCRIBE_SECRET_ARN",
        "erasure_secret": "ERASURE_SECRET_ARN",
        "sms_drops_table": "SMS_DROPS_TABLE",
        "sms_drop_queue_url": "SMS_DROP_QUEUE_URL",
        "sms_drop_max_parts": "SMS_DROP_MAX_PARTS",
        "sms_drop_max_rows": "SMS_DROP_MAX_ROWS",
        "sms_drop_identities": "SMS_DROP_IDENTITIES",
        "sms_opt_out_list_prefix": "SMS_OPT_OUT_LIST_PREFIX",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, ssm_client: Any = None) -> Settings:
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = environ.get(cls.ENV_NAMES[field.name])
            if raw is not None:
                values[field.name] = resolve(raw, ssm_client)
        return cls(**values)

    def flag(self, name: str) -> bool:
        value = getattr(self, name).strip().lower()
        if value not in ("true", "false"):
            raise ValidationError(self.ENV_NAMES[name], "must be true or false")
        return value == "true"
