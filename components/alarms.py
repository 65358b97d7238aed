"""Edge alarms: CloudWatch alarms on the distribution and its edge check (either engine).

CloudFront publishes its metrics only in us-east-1, namespace ``AWS/CloudFront``, with the
dimensions ``DistributionId`` and ``Region=Global`` (CloudFront Developer Guide, "Types of
metrics for CloudFront"). An alarm can only notify an SNS topic of its own region, so the
topic is there too. ``401ErrorRate`` is one of the "additional metrics", published only
after a monitoring subscription enables them (billed; see docs/operations.md, Alarms).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from edge_handler.engines import CLOUDFRONT_FUNCTION, LAMBDA_EDGE

from . import cloudfront_facts as facts

NAMESPACE = "AWS/CloudFront"
# CloudFront's own value for the Region dimension of every metric.
GLOBAL_REGION = "Global"
# Alarms and their topic live where the metrics are.
ALARM_REGION = facts.EDGE_REGION
PERIOD_SECONDS = 300


@dataclass(frozen=True)
class AlarmSpec:
    """One static-threshold alarm on a CloudFront metric of the distribution."""

    key: str
    metric_name: str
    statistic: str
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    description: str


# Viewers see 5xx when the origin fails or the edge function does; 5% of requests for 10 of
# the last 15 minutes is an outage, not one unlucky request.
FIVE_XX = AlarmSpec(
    "5xx-rate",
    "5xxErrorRate",
    "Average",
    5.0,
    3,
    2,
    "More than 5% of viewer requests ended in a 5xx for 10 of the last 15 minutes. "
    "Check the origin buckets and the edge function's logs (edgeFunctionLogGroups).",
)
# Any error of the edge function is a bug or a broken deploy: viewers got a 5xx from
# CloudFront instead of our 401 or the content (the handler itself fails closed).
EDGE_EXECUTION = AlarmSpec(
    "edge-execution-errors",
    "LambdaExecutionError",
    "Sum",
    0.0,
    1,
    1,
    "The Lambda@Edge token check failed to run (exception, timeout or crash); viewers got a "
    "5xx. Read the edge function's log groups in the regions that served them.",
)
EDGE_VALIDATION = AlarmSpec(
    "edge-validation-errors",
    "LambdaValidationError",
    "Sum",
    0.0,
    1,
    1,
    "The Lambda@Edge token check returned a response CloudFront rejected; viewers got a 502. "
    "Redeploy the last good version.",
)
STATIC_ALARMS = (FIVE_XX, EDGE_EXECUTION, EDGE_VALIDATION)

# The same two alarms on the cloudfront-function engine: CloudFront Functions publish their
# errors per function (dimensions FunctionName and Region=Global; Developer Guide,
# "Monitoring CloudFront Functions"). Same keys: switching engines updates them in place.
FUNCTION_EXECUTION = AlarmSpec(
    "edge-execution-errors",
    "FunctionExecutionErrors",
    "Sum",
    0.0,
    1,
    1,
    "The CloudFront Function token check threw instead of answering; viewers got a 503. "
    "Read /aws/cloudfront/function/<name> in us-east-1 (edgeFunctionLogGroups).",
)
FUNCTION_VALIDATION = AlarmSpec(
    "edge-validation-errors",
    "FunctionValidationErrors",
    "Sum",
    0.0,
    1,
    1,
    "The CloudFront Function token check returned an object CloudFront rejected; viewers got "
    "an error. Redeploy the last good code.",
)
# Throttled: the function went over its compute budget and viewers got a 503 (it fails
# closed; AWS names the metric FunctionThrottles, Developer Guide, "Monitoring CloudFront
# Functions"). The check reads one store entry per request, so a throttle is a regression.
FUNCTION_THROTTLES = AlarmSpec(
    "edge-throttles",
    "FunctionThrottles",
    "Sum",
    0.0,
    1,
    1,
    "The CloudFront Function token check was throttled (over its compute budget); viewers got "
    "a 503. Redeploy the last good code; throttling can outlast the fix by minutes.",
)
FUNCTION_ALARMS = (FUNCTION_EXECUTION, FUNCTION_VALIDATION, FUNCTION_THROTTLES)

# A sudden rise of 401s: a leaked or rotated-away token, a broken client, or someone guessing.
UNAUTHORIZED_METRIC = "401ErrorRate"
# Width of the anomaly band in standard deviations; wide, so ordinary daily swings stay inside.
UNAUTHORIZED_BAND_WIDTH = 3
UNAUTHORIZED_EVALUATION_PERIODS = 3
UNAUTHORIZED_DATAPOINTS = 2
UNAUTHORIZED_DESCRIPTION = (
    "The share of 401 responses rose far above its usual band for 10 of the last 15 minutes: "
    "a leaked or retired token, a broken client or token guessing. Check the access logs."
)


@dataclass(frozen=True)
class EdgeAlarmsArgs:
    distribution_id: pulumi.Input[str]
    # Where alarms go: a new topic with this email subscribed, an existing topic, or both.
    email: str | None = None
    topic_arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # lambda-edge or cloudfront-function; the latter needs the function's name.
    edge_runtime: str = LAMBDA_EDGE
    function_name: pulumi.Input[str] | None = None


def metric_dimensions(distribution_id: pulumi.Input[str]) -> dict:
    return {"DistributionId": distribution_id, "Region": GLOBAL_REGION}


def function_dimensions(function_name: pulumi.Input[str]) -> dict:
    return {"FunctionName": function_name, "Region": GLOBAL_REGION}


def static_alarms(args: EdgeAlarmsArgs) -> list[tuple[AlarmSpec, dict]]:
    """(spec, dimensions) of each static alarm: the 5xx rate, then the engine's errors (and,
    on cloudfront-function, its throttles)."""
    distribution = metric_dimensions(args.distribution_id)
    if args.edge_runtime == CLOUDFRONT_FUNCTION:
        if args.function_name is None:
            raise ValueError("EdgeAlarms on cloudfront-function needs the function's name")
        function = function_dimensions(args.function_name)
        return [(FIVE_XX, distribution), *((spec, function) for spec in FUNCTION_ALARMS)]
    return [(spec, distribution) for spec in STATIC_ALARMS]


class EdgeAlarms(pulumi.ComponentResource):
    """Alarms on the 5xx rate, the edge function's errors and a rise of 401s, with a topic."""

    topic_arns: pulumi.Output[list[str]]
    """SNS topics the alarms notify (the one created for alarmEmail, and alarmTopicArn)."""
    alarm_names: pulumi.Output[list[str]]
    """Names of the CloudWatch alarms, in us-east-1."""

    def __init__(
        self, name: str, args: EdgeAlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:EdgeAlarms", name, None, opts)
        if not (args.email or args.topic_arn):
            raise ValueError("EdgeAlarms needs an email or a topic ARN to notify")
        child = pulumi.ResourceOptions(parent=self)
        topics = _topics(name, args, child)
        # 401ErrorRate is published only with the distribution's additional metrics.
        aws.cloudfront.MonitoringSubscription(
            f"{name}-additional-metrics",
            distribution_id=args.distribution_id,
            monitoring_subscription={
                "realtime_metrics_subscription_config": {
                    "realtime_metrics_subscription_status": "Enabled"
                }
            },
            opts=child,
        )
        common = {
            "region": ALARM_REGION,
            "alarm_actions": topics,
            "ok_actions": topics,
            # No requests means no datapoints: quiet, not an alarm.
            "treat_missing_data": "notBreaching",
            "tags": args.tags,
            "opts": child,
        }
        alarms = [
            _static_alarm(f"{name}-{spec.key}", spec, dimensions, common)
            for spec, dimensions in static_alarms(args)
        ]
        alarms.append(_unauthorized_surge_alarm(f"{name}-401-surge", args, common))

        self.topic_arns = pulumi.Output.all(*topics).apply(list)
        self.alarm_names = pulumi.Output.all(*(alarm.name for alarm in alarms)).apply(list)
        self.register_outputs({"topicArns": self.topic_arns, "alarmNames": self.alarm_names})


def _topics(
    name: str, args: EdgeAlarmsArgs, child: pulumi.ResourceOptions
) -> list[pulumi.Input[str]]:
    """The topics to notify: a new one with the email subscribed, and the given one."""
    topics: list[pulumi.Input[str]] = []
    if args.email:
        topic = aws.sns.Topic(f"{name}-topic", region=ALARM_REGION, tags=args.tags, opts=child)
        # Pending until the address clicks AWS's confirmation link; alarms wait for it.
        aws.sns.TopicSubscription(
            f"{name}-email",
            region=ALARM_REGION,
            topic=topic.arn,
            protocol="email",
            endpoint=args.email,
            opts=child,
        )
        topics.append(topic.arn)
    if args.topic_arn:
        topics.append(args.topic_arn)
    return topics


def _static_alarm(
    name: str, spec: AlarmSpec, dimensions: dict, common: dict
) -> aws.cloudwatch.MetricAlarm:
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=spec.description,
        namespace=NAMESPACE,
        metric_name=spec.metric_name,
        dimensions=dimensions,
        statistic=spec.statistic,
        period=PERIOD_SECONDS,
        evaluation_periods=spec.evaluation_periods,
        datapoints_to_alarm=spec.datapoints_to_alarm,
        comparison_operator="GreaterThanThreshold",
        threshold=spec.threshold,
        **common,
    )


def _unauthorized_surge_alarm(
    name: str, args: EdgeAlarmsArgs, common: dict
) -> aws.cloudwatch.MetricAlarm:
    # A fixed threshold on 401s would either page on every busy day or never: compare
    # with the metric's own learned band instead (CloudWatch anomaly detection).
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=UNAUTHORIZED_DESCRIPTION,
        comparison_operator="GreaterThanUpperThreshold",
        evaluation_periods=UNAUTHORIZED_EVALUATION_PERIODS,
        datapoints_to_alarm=UNAUTHORIZED_DATAPOINTS,
        threshold_metric_id="band",
        metric_queries=[
            {
                "id": "rate",
                "return_data": True,
                "metric": {
                    "namespace": NAMESPACE,
                    "metric_name": UNAUTHORIZED_METRIC,
                    "dimensions": metric_dimensions(args.distribution_id),
                    "stat": "Average",
                    "period": PERIOD_SECONDS,
                },
            },
            {
                "id": "band",
                "expression": f"ANOMALY_DETECTION_BAND(rate, {UNAUTHORIZED_BAND_WIDTH})",
                "label": "401ErrorRate (expected)",
                "return_data": True,
            },
        ],
        **common,
    )
