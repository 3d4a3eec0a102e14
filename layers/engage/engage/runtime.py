"""The services a function uses, built once per execution environment from its environment
variables and the shared client factory, and only when first used (cold starts stay short)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from engage import clock
from engage.adapters.clients import ClientFactory, clients, with_credentials
from engage.adapters.connect.campaigns import SESSION_NAME as CONTACT_CENTER_SESSION
from engage.adapters.connect.campaigns import ConnectCampaignDialer
from engage.adapters.dynamodb.applications import (
    DynamoApplicationStore,
)
from engage.adapters.dynamodb.buckets import DynamoBucketStore
from engage.adapters.dynamodb.campaigns import DynamoCampaignStore
from engage.adapters.dynamodb.caps import DynamoCaps
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.in_app import DynamoInAppDisplays
from engage.adapters.dynamodb.jobs import DynamoJobStore
from engage.adapters.dynamodb.journeys import DynamoJourneyStore
from engage.adapters.dynamodb.ledger import DynamoLedger
from engage.adapters.dynamodb.participants import DynamoParticipants
from engage.adapters.dynamodb.recommenders import DynamoRecommenderStore
from engage.adapters.dynamodb.segments import DynamoSegmentStore
from engage.adapters.dynamodb.suppression import DynamoSuppressionList
from engage.adapters.dynamodb.templates import DynamoTemplateStore
from engage.adapters.kinesis.stream import KinesisEventStream
from engage.adapters.lambda_.custom import CUSTOM_CHANNEL_WAIT_SECONDS, CustomDelivery
from engage.adapters.lambda_.functions import LambdaHookInvoker
from engage.adapters.personalize.recommendations import SESSION_NAME as RECOMMENDER_SESSION
from engage.adapters.personalize.recommendations import LambdaTransformer, PersonalizeRecommendations
from engage.adapters.pinpoint.otp import PinpointOtp
from engage.adapters.pinpoint.phone import PinpointNumberValidator
from engage.adapters.pinpoint.push import PinpointPushSender
from engage.adapters.pinpoint.push_channels import PinpointPushChannels
from engage.adapters.s3.attachment_files import AttachmentFiles
from engage.adapters.s3.objects import BucketArchive, ObjectStore, S3MemberLists, WorkflowStarter
from engage.adapters.scheduler.campaign_schedules import SchedulerCampaignSchedules
from engage.adapters.scheduler.journey_wakes import SchedulerJourneyWakes
from engage.adapters.secretsmanager.secrets import signing_keys
from engage.adapters.ses.email import SesEmailSender, SesQuota
from engage.adapters.sms_voice.inbound import BrandOptOutLists
from engage.adapters.sms_voice.text import SmsSettings, SmsVoiceSender
from engage.adapters.sqs.queue import QueueStarter, SendQueue
from engage.adapters.sts.role_clients import RoleClients
from engage.applications import Applications, ChannelSwitches, KnownApplications, application_arn_prefix
from engage.campaigns.in_app import InAppMessaging
from engage.campaigns.model import Campaigns
from engage.campaigns.runs import new_run
from engage.campaigns.schedule import Launcher
from engage.config import Settings
from engage.contacts import ContactStore
from engage.errors import ValidationError
from engage.extensions.attachments import AttachmentMaker
from engage.journeys.kpis import JourneyKpis
from engage.journeys.launch import Launcher as JourneyLauncher
from engage.journeys.metrics import JourneyMetrics
from engage.journeys.model import Journeys
from engage.retry import Backoff
from engage.segments.service import Segments
from engage.sending.governor import Governor, Limits, identity_rates, named_limits, within
from engage.sending.otp import OneTimePasswords
from engage.sending.request import address_recipient
from engage.sending.sender import Sender, SendPolicy
from engage.templates.model import Templates
from engage.templates.recommenders import RecommendedAttributes, Recommenders

REMOVAL_DELAY_SECONDS = 2  # a removal is asked for just before its application is marked deleted


class Services:
    def __init__(self, settings: Settings | None = None, factory: ClientFactory = clients) -> None:
        self._settings = settings
        self.factory = factory

    @cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.from_env(ssm_client=None)

    @cached_property
    def applications(self) -> Applications:
        """Pinpoint's applications; ARNs name the function's own Region and account. Deleting one
        stops its campaigns' schedules (where this function may) and starts the removal of its data."""
        settings = self.settings
        removal = settings.removal_queue_url
        return Applications(
            DynamoApplicationStore(settings.require("applications_table"), self.factory.client("dynamodb")),
            # Only functions that create applications know the account (AWS_ACCOUNT_ID).
            application_arn_prefix(settings.aws_partition, self.factory.region, settings.aws_account_id)
            if settings.aws_account_id
            else "",
            removal=QueueStarter(SendQueue(self.factory.client("sqs"), removal), REMOVAL_DELAY_SECONDS)
            if removal
            else None,
            before_delete=self._stop_schedules if settings.campaign_schedule_group else lambda _app_id: None,
            push_channels=PinpointPushChannels(self.factory.client("pinpoint"), settings.push_project_id)
            if settings.push_project_id
            else None,
        )

    def _stop_schedules(self, app_id: str) -> None:
        for campaign in self.campaigns.list(app_id):
            self.campaign_launcher.remove(campaign)

    @cached_property
    def one_time_passwords(self) -> OneTimePasswords:
        """SendOTPMessage and VerifyOTPMessage, through the push project's surviving OTP API."""
        settings = self.settings
        api = (
            PinpointOtp(self.factory.client("pinpoint"), settings.push_project_id)
            if settings.push_project_id
            else None
        )
        return OneTimePasswords(
            api, self.consent, self.suppression, settings.flag("transactional_after_opt_out")
        )

    @cached_property
    def known_applications(self) -> KnownApplications:
        """Existence and settings, remembered a short while (consumers of many records)."""
        return KnownApplications(self.applications)

    @cached_property
    def contacts(self) -> ContactStore:
        table = self.settings.require("contacts_table")
        return ContactStore(DynamoEndpointRepository(table, self.factory.client("dynamodb")))

    @cached_property
    def consent(self) -> DynamoConsentStore:
        return DynamoConsentStore(self.settings.require("consent_table"), self.factory.client("dynamodb"))

    @cached_property
    def suppression(self) -> DynamoSuppressionList:
        return DynamoSuppressionList(
            self.settings.require("suppression_table"), self.factory.client("dynamodb"), self.erasure_key
        )

    def erasure_key(self) -> bytes | None:
        """The key erased addresses are hashed under (None where erasure is not configured)."""
        secret = self.settings.erasure_secret
        return signing_keys(self.factory.client("secretsmanager"), secret)[0] if secret else None

    @cached_property
    def event_stream(self) -> KinesisEventStream:
        return KinesisEventStream(self.settings.require("event_stream"), self.factory.client("kinesis"))

    @cached_property
    def jobs(self) -> DynamoJobStore:
        return DynamoJobStore(self.settings.require("jobs_table"), self.factory.client("dynamodb"))

    @cached_property
    def segments(self) -> DynamoSegmentStore:
        return DynamoSegmentStore(self.settings.require("segments_table"), self.factory.client("dynamodb"))

    @cached_property
    def segment_service(self) -> Segments:
        def changed(segment: dict[str, Any]) -> None:  # journeys that refresh on the segment's update
            if self.settings.journey_entry_workflow:
                self.journey_launcher.segment_changed(segment, self.journeys.list(segment["ApplicationId"]))

        return Segments(
            self.segments,
            DynamoEndpointRepository(
                self.settings.require("contacts_table"), self.factory.client("dynamodb")
            ),
            S3MemberLists(self.objects),
            changed,
        )

    @cached_property
    def number_validator(self) -> PinpointNumberValidator:
        return PinpointNumberValidator(self.factory.client("pinpoint", max_attempts=1))

    @cached_property
    def objects(self) -> ObjectStore:
        return ObjectStore(self.factory.client("s3"))

    @cached_property
    def templates(self) -> Templates:
        table = self.settings.require("templates_table")
        settings = self.settings
        arn_prefix = (
            f"arn:{settings.aws_partition}:mobiletargeting:{self.factory.region}:{settings.aws_account_id}:templates/"
            if settings.aws_account_id
            else ""
        )
        return Templates(DynamoTemplateStore(table, self.factory.client("dynamodb")), arn_prefix=arn_prefix)

    @cached_property
    def recommenders(self) -> Recommenders:
        """Recommender model configurations, beside the templates that name them."""
        table = self.settings.require("templates_table")
        return Recommenders(DynamoRecommenderStore(table, self.factory.client("dynamodb")))

    def recommended_attributes(self) -> RecommendedAttributes:
        """A template's recommendations, fetched as each message goes out: Personalize as the
        configuration's role, then its Lambda function (15 s and up to 3 attempts, as Pinpoint
        waited for it)."""
        roles = RoleClients(
            self.factory.client("sts"),
            lambda service, credentials: with_credentials(self.factory, credentials).client(service),
            RECOMMENDER_SESSION,
        )
        transformer = LambdaTransformer(self.factory.client("lambda", max_attempts=3, read_timeout=15))
        return RecommendedAttributes(self.recommenders.get, PersonalizeRecommendations(roles), transformer)

    @cached_property
    def campaigns(self) -> Campaigns:
        table = self.settings.require("campaigns_table")
        return Campaigns(DynamoCampaignStore(table, self.factory.client("dynamodb")))

    @cached_property
    def in_app_messaging(self) -> InAppMessaging:
        """GetInAppMessages, and the displays and sessions PutEvents reports."""
        displays = DynamoInAppDisplays(
            self.settings.require("campaigns_table"), self.factory.client("dynamodb"), clock.time
        )
        return InAppMessaging(
            campaigns=self.campaigns,
            endpoints=self.contacts,
            membership=self.segment_service.membership,
            templates=self.templates,
            application_limits=lambda app_id: self.applications.settings(app_id).get("Limits") or {},
            displays=displays,
            clock=clock.time,
        )

    @cached_property
    def journeys(self) -> Journeys:
        table = self.settings.require("journeys_table")
        store = DynamoJourneyStore(table, self.factory.client("dynamodb"))
        launcher = self.journey_launcher if self.settings.journey_entry_workflow else None
        return Journeys(
            store,
            lambda kind, name, version: self.templates.get(kind, name, version),
            self.segment_service.get,
            launcher.changed if launcher else None,
        )

    @cached_property
    def journey_participants(self) -> DynamoParticipants:
        table = self.settings.require("journey_participants_table")
        return DynamoParticipants(table, self.factory.client("dynamodb"))

    @cached_property
    def journey_metrics(self) -> JourneyMetrics:
        """Pinpoint's journey execution metrics and runs, from the participants' counters."""
        return JourneyMetrics(self.journeys, self.journey_participants, clock.time)

    @cached_property
    def journey_kpis(self) -> JourneyKpis:
        """Pinpoint's journey engagement metrics, from the participants' day counters."""
        return JourneyKpis(self.journeys, self.journey_participants, clock.time)

    @cached_property
    def journey_wakes(self) -> SchedulerJourneyWakes:
        settings = self.settings
        return SchedulerJourneyWakes(
            self.factory.client("scheduler"),
            settings.require("journey_wake_group"),
            settings.require("journey_wake_target"),
            settings.require("journey_wake_role"),
            settings.require("journey_wake_dlq"),
        )

    @cached_property
    def journey_launcher(self) -> JourneyLauncher:
        """What a journey's state change sets going (entry, the journey's clock, wakes)."""
        workflow = WorkflowStarter(
            self.factory.client("stepfunctions"), self.settings.require("journey_entry_workflow")
        )
        return JourneyLauncher(self.journey_participants, workflow, self.journey_wakes, clock.time)

    @cached_property
    def caps(self) -> DynamoCaps:
        """Per-endpoint caps, beside the send ledger: read by campaign runs, counted by the sender."""
        return DynamoCaps(self.settings.require("sends_table"), self.factory.client("dynamodb"))

    @cached_property
    def hook_invoker(self) -> LambdaHookInvoker:
        return LambdaHookInvoker(self.factory.client("lambda"))

    @cached_property
    def send_queue(self) -> SendQueue:
        return SendQueue(self.factory.client("sqs"), self.settings.require("send_queue_url"))

    @cached_property
    def opt_out_lists(self) -> BrandOptOutLists:
        prefix = self.settings.require("sms_opt_out_list_prefix")
        return BrandOptOutLists(self.factory.client("pinpoint-sms-voice-v2"), prefix)

    @cached_property
    def archive(self) -> BucketArchive:
        return BucketArchive(self.objects, self.settings.require("archive_bucket"))

    @cached_property
    def governor(self) -> Governor:
        quota = SesQuota(self.factory.client("sesv2"))
        rate, push_rate = (
            float(self.settings.text_messages_per_second),
            float(self.settings.push_messages_per_second),
        )
        texts, push = within(rate), within(push_rate)
        contact_center = within(float(self.settings.contact_center_requests_per_second))
        identities = {
            name: within(value) for name, value in identity_rates(self.settings.text_identity_rates).items()
        }
        table = self.settings.require("sends_table")

        def limits(identity: str) -> Limits:
            named = named_limits(identity)  # a campaign's own rate
            if named is not None:
                return named
            if identity == "ses":
                return quota.limits()
            if identity in ("push", "contact_center"):
                return push if identity == "push" else contact_center
            return identities.get(identity.split(":", 1)[-1], texts)  # sms:<identity>, voice:<identity>

        return Governor(DynamoBucketStore(table, self.factory.client("dynamodb")), limits, Backoff())

    def unsubscribe_keys(self) -> list[bytes]:
        """The one-click unsubscribe signing keys (none when unsubscribe is not configured)."""
        secret = self.settings.unsubscribe_secret
        return signing_keys(self.factory.client("secretsmanager"), secret) if secret else []

    @cached_property
    def sender(self) -> Sender:
        settings = self.settings
        # Channels without botocore's retries: the sender backs off itself and a retried call that
        # had timed out after being accepted would send twice.
        texts = SmsVoiceSender(
            self.factory.client("pinpoint-sms-voice-v2", max_attempts=1),
            SmsSettings(settings.sms_origination_identity or None, settings.sms_configuration_set or None),
        )
        return Sender(
            endpoints=self.contacts,
            consent=self.consent,
            suppressions=self.suppression,
            templates=self.templates,
            ledger=DynamoLedger(settings.require("sends_table"), self.factory.client("dynamodb")),
            governor=self.governor,
            email=SesEmailSender(
                self.factory.client("sesv2", max_attempts=1), settings.ses_configuration_set or None
            ),
            texts=texts,
            archive_store=self.archive,
            events=self.event_stream,
            policy=self.send_policy(),
            push=PinpointPushSender(
                self.factory.client("pinpoint", max_attempts=1), settings.push_project_id or None
            ),
            attachments=self.attachment_maker(),
            caps=self.caps,
            opt_out_lists=self.opt_out_lists if settings.sms_opt_out_list_prefix else None,
            channels=ChannelSwitches(self.applications) if settings.applications_table else None,
            recommendations=self.recommended_attributes() if settings.templates_table else None,
            contact_center=ConnectCampaignDialer(
                RoleClients(
                    self.factory.client("sts"),
                    lambda service, credentials: with_credentials(self.factory, credentials).client(
                        service, max_attempts=1
                    ),
                    CONTACT_CENTER_SESSION,
                )
            ),
            custom=CustomDelivery(
                # A custom channel function may run up to its 30 s timeout: wait for its answer.
                self.factory.client("lambda", max_attempts=1, read_timeout=CUSTOM_CHANNEL_WAIT_SECONDS),
                self.webhook_keys,
                allow_local_http=settings.flag("allow_local_webhooks"),
            ),
        )

    def attachment_maker(self) -> AttachmentMaker | None:
        """Files for emails whose message has Attachments (the attachments channel's), from the
        bucket's attachments/ prefix; None when the function has no attachment bucket."""
        bucket = self.settings.attachment_bucket
        if not bucket:
            return None
        files = AttachmentFiles(self.factory.client("s3"), bucket, "attachments/")
        return AttachmentMaker(files, int(self.settings.attachment_max_message_bytes))

    def webhook_keys(self) -> list[bytes]:
        secret = self.settings.webhook_secret
        return signing_keys(self.factory.client("secretsmanager"), secret) if secret else []

    def ready_sender(self) -> Sender:
        """The one sender with the policy read again: signing keys rotate (Powertools caches the
        secret a while), so each invocation asks for it."""
        sender = self.sender
        sender.policy = self.send_policy()
        return sender

    def send_policy(self) -> SendPolicy:
        settings = self.settings
        return SendPolicy(
            from_address=settings.email_from_address or None,
            text_identity=settings.sms_origination_identity or "default",
            lease_seconds=float(settings.send_lease_seconds),
            resend_uncertain_transactional=settings.flag("resend_uncertain_transactional"),
            transactional_after_opt_out=settings.flag("transactional_after_opt_out"),
            unsubscribe_url=settings.unsubscribe_url or None,
            unsubscribe_mailto=settings.unsubscribe_mailto or None,
            unsubscribe_secrets=tuple(self.unsubscribe_keys()),
            custom_batch_size=int(settings.custom_batch_size),
        )

    def address_pseudonym(self, app_id: str, channel: str, address: str) -> str:
        key = self.erasure_key()
        if key is None:
            raise ValidationError(
                "ERASURE_SECRET_ARN", "sends to addresses need the erasure key for their pseudonyms"
            )
        return address_recipient(key, app_id, channel, address)

    @cached_property
    def import_workflow(self) -> WorkflowStarter:
        return WorkflowStarter(self.factory.client("stepfunctions"), self.settings.require("import_workflow"))

    @cached_property
    def campaign_workflow(self) -> WorkflowStarter:
        return WorkflowStarter(
            self.factory.client("stepfunctions"), self.settings.require("campaign_workflow")
        )

    @cached_property
    def campaign_launcher(self) -> Launcher:
        settings = self.settings
        schedules = SchedulerCampaignSchedules(
            self.factory.client("scheduler"),
            settings.require("campaign_schedule_group"),
            settings.require("campaign_schedule_target"),
            settings.require("campaign_schedule_role"),
            settings.require("campaign_schedule_dlq"),
        )

        def record_run(run_id: str, campaign: Mapping[str, Any], request: dict[str, Any]) -> None:
            self.jobs.create(new_run(run_id, campaign, request))

        return Launcher(schedules, self.campaign_workflow, clock.now, record_run)


services = Services()
