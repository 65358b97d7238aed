"""Edge alarms: config, the EdgeAlarms component under mocks, the stack's plan and the policy."""

from __future__ import annotations

import copy

import pytest

from components.alarms import EdgeAlarms, EdgeAlarmsArgs
from components.checks import SettingsError
from components.stack_config import parse_settings
from tests.components.stack_runs import stack_run
from tests.edge_support import CURRENT_TOKEN
from tools.plan.policy_run import load_policies, run_policies
from tools.plan.program_run import run_under_mocks

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
MONITORING = "aws:cloudfront/monitoringSubscription:MonitoringSubscription"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:cdn-oncall"
DISTRIBUTION_ID = "E2EXAMPLE1234"
EMAIL = "ops@example.com"


def parse(**values):
    return parse_settings({"authToken": CURRENT_TOKEN, **values}, "dev")


def declare(**kwargs):
    def body():
        EdgeAlarms(
            "alarms",
            EdgeAlarmsArgs(distribution_id=DISTRIBUTION_ID, tags={"team": "media"}, **kwargs),
        )

    return run_under_mocks(body, "dev")


def alarms_by_name(run) -> dict[str, dict]:
    return {r.name.removeprefix("alarms-"): r.inputs for r in run.of_type(ALARM)}


# --- config ----------------------------------------------------------------------------


def test_alarms_are_off_unless_an_email_or_topic_is_set():
    settings = parse()
    assert settings.alarm_email is None and settings.alarm_topic_arn is None
    assert parse(alarmEmail=f" {EMAIL} ").alarm_email == EMAIL
    assert parse(alarmTopicArn=TOPIC_ARN).alarm_topic_arn == TOPIC_ARN


@pytest.mark.parametrize(
    ("values", "key", "words"),
    [
        ({"alarmEmail": "ops"}, "alarmEmail", "is not one email address"),
        ({"alarmEmail": "a@b.com, c@d.com"}, "alarmEmail", "is not one email address"),
        (
            {"alarmTopicArn": "arn:aws:sns:eu-west-1:123456789012:cdn"},
            "alarmTopicArn",
            "in us-east-1",
        ),
        ({"alarmTopicArn": "cdn-oncall"}, "alarmTopicArn", "is not the ARN"),
    ],
)
def test_bad_alarm_targets_stop_with_the_key_and_the_fix(values, key, words):
    with pytest.raises(SettingsError) as caught:
        parse(**values)
    message = str(caught.value)
    assert message.startswith(f"protected-cdn:{key}: ") and words in message
    assert "Fix: pulumi config set " + key in message and "\n" not in message


# --- the component ---------------------------------------------------------------------


def test_every_alarm_watches_cloudfront_in_us_east_1_with_region_global():
    run = declare(email=EMAIL)
    (component,) = run.of_type("protected-cdn:index:EdgeAlarms")
    for child in (r for r in run.registrations if r.custom):
        assert child.parent == component.urn, child.urn
    alarms = alarms_by_name(run)
    assert set(alarms) == {
        "5xx-rate",
        "edge-execution-errors",
        "edge-validation-errors",
        "401-surge",
    }
    expected_dimensions = {"DistributionId": DISTRIBUTION_ID, "Region": "Global"}
    for name, alarm in alarms.items():
        assert alarm["region"] == "us-east-1", name
        assert alarm["treatMissingData"] == "notBreaching", name
        assert alarm["tags"] == {"team": "media"}, name
        metric = alarm if "namespace" in alarm else alarm["metricQueries"][0]["metric"]
        assert metric["namespace"] == "AWS/CloudFront", name
        assert metric["dimensions"] == expected_dimensions, name


@pytest.mark.parametrize(
    ("name", "metric", "statistic", "threshold", "periods", "datapoints"),
    [
        ("5xx-rate", "5xxErrorRate", "Average", 5, 3, 2),
        ("edge-execution-errors", "LambdaExecutionError", "Sum", 0, 1, 1),
        ("edge-validation-errors", "LambdaValidationError", "Sum", 0, 1, 1),
    ],
)
def test_static_alarms_have_their_metric_and_threshold(
    name, metric, statistic, threshold, periods, datapoints
):
    alarm = alarms_by_name(declare(email=EMAIL))[name]
    assert alarm["metricName"] == metric and alarm["statistic"] == statistic
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == threshold and alarm["period"] == 300
    assert alarm["evaluationPeriods"] == periods and alarm["datapointsToAlarm"] == datapoints


def test_a_rise_of_401s_is_judged_against_an_anomaly_band_of_the_additional_metric():
    run = declare(email=EMAIL)
    alarm = alarms_by_name(run)["401-surge"]
    rate, band = alarm["metricQueries"]
    assert rate["id"] == "rate" and rate["metric"]["metricName"] == "401ErrorRate"
    assert rate["metric"]["stat"] == "Average" and rate["metric"]["period"] == 300
    assert band == {
        "id": "band",
        "expression": "ANOMALY_DETECTION_BAND(rate, 3)",
        "label": "401ErrorRate (expected)",
        "returnData": True,
    }
    assert alarm["thresholdMetricId"] == "band"
    assert alarm["comparisonOperator"] == "GreaterThanUpperThreshold"
    # 401ErrorRate exists only once the distribution's additional metrics are on.
    (subscription,) = run.of_type(MONITORING)
    assert subscription.inputs["distributionId"] == DISTRIBUTION_ID
    config = subscription.inputs["monitoringSubscription"]["realtimeMetricsSubscriptionConfig"]
    assert config == {"realtimeMetricsSubscriptionStatus": "Enabled"}


def test_an_email_gets_its_own_topic_in_us_east_1_that_every_alarm_notifies():
    run = declare(email=EMAIL)
    (topic,) = run.of_type(TOPIC)
    (subscription,) = run.of_type(SUBSCRIPTION)
    assert topic.inputs["region"] == subscription.inputs["region"] == "us-east-1"
    assert subscription.inputs["protocol"] == "email"
    assert subscription.inputs["endpoint"] == EMAIL
    topic_arn = subscription.inputs["topic"]
    for alarm in alarms_by_name(run).values():
        assert alarm["alarmActions"] == alarm["okActions"] == [topic_arn]


def test_an_existing_topic_is_notified_without_creating_one():
    run = declare(topic_arn=TOPIC_ARN)
    assert run.of_type(TOPIC) == [] and run.of_type(SUBSCRIPTION) == []
    for alarm in alarms_by_name(run).values():
        assert alarm["alarmActions"] == [TOPIC_ARN]


def test_alarms_without_a_target_are_a_programming_error():
    with pytest.raises(Exception, match="needs an email or a topic ARN"):
        declare()


# --- the stack -------------------------------------------------------------------------


def test_prod_sets_alarm_email_so_its_plan_has_the_alarms():
    run = stack_run("prod")
    assert len(run.of_type(ALARM)) == 4
    (subscription,) = run.of_type(SUBSCRIPTION)
    assert subscription.inputs["endpoint"] == "cdn-alerts@example.com"
    alarm = next(iter(run.of_type(ALARM)))
    distribution_id = "E2EXAMPLE1234"  # the mocks' distribution id
    assert alarm.inputs["dimensions"]["DistributionId"] == distribution_id
    assert run_policies(run) == []


def test_a_stack_without_alarm_settings_declares_no_alarm_resources():
    run = stack_run("dev")
    for kind in (ALARM, TOPIC, SUBSCRIPTION, MONITORING):
        assert run.of_type(kind) == []


# --- the policy ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prod_run():
    return stack_run("prod")


def _alarm_policy():
    (policy,) = [p for p in load_policies() if p.name == "cloudfront-alarms-us-east-1"]
    return [policy]


def _broken(run, alarm_name: str, change):
    broken = copy.deepcopy(run)
    change(next(r for r in broken.registrations if r.name == f"site-alarms-{alarm_name}").inputs)
    return broken


@pytest.mark.parametrize(
    ("alarm", "change", "words"),
    [
        ("5xx-rate", lambda i: i.update(region="eu-west-1"), "only in us-east-1"),
        ("5xx-rate", lambda i: i.pop("region"), "only in us-east-1"),
        ("edge-execution-errors", lambda i: i["dimensions"].pop("Region"), "Region=Global"),
        (
            "401-surge",
            lambda i: i["metricQueries"][0]["metric"]["dimensions"].update(Region="us-east-1"),
            "Region=Global",
        ),
        (
            "edge-validation-errors",
            lambda i: i.update(alarmActions=["arn:aws:sns:eu-west-1:123456789012:ops"]),
            "not an SNS topic in us-east-1",
        ),
    ],
)
def test_the_policy_stops_alarms_that_would_watch_nothing(prod_run, alarm, change, words):
    assert run_policies(prod_run, _alarm_policy()) == []
    violations = run_policies(_broken(prod_run, alarm, change), _alarm_policy())
    assert violations and all(v.mandatory and words in v.message for v in violations)
