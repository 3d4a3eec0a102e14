"""Resource types whose names are unique per account and region, and the property (a dotted path
for a nested one) that names each: CloudFormation refuses a second resource of the same name,
whichever stack holds the first. The cfn-lint rule E9011 refuses such a name fixed in a template;
the local stack refuses one another stack already holds."""

from __future__ import annotations

UNIQUE_NAMES: dict[str, str | None] = {
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Events::Rule": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::Scheduler::ScheduleGroup": "Name",
    "AWS::Kinesis::Stream": "Name",
    "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
    "AWS::SES::ConfigurationSet": "Name",
    "AWS::SES::ReceiptRule": "Rule.Name",
    "AWS::SMSVOICE::ConfigurationSet": "ConfigurationSetName",
    "AWS::SMSVOICE::OptOutList": "OptOutListName",
    "AWS::Glue::Database": "DatabaseInput.Name",
    "AWS::Athena::WorkGroup": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::KMS::Alias": "AliasName",
    "AWS::CloudFront::OriginAccessControl": "OriginAccessControlConfig.Name",
    "AWS::CloudFront::ResponseHeadersPolicy": "ResponseHeadersPolicyConfig.Name",
    "AWS::CloudFront::CachePolicy": "CachePolicyConfig.Name",
    "AWS::CloudWatch::Dashboard": "DashboardName",
}
