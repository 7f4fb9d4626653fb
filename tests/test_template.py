"""Offline checks of ``template.yaml``: cfn-lint, and the SAM transform's expanded output.

The transform runs locally (``aws-sam-translator``) with a stub for the one thing it would
otherwise fetch from IAM, the managed-policy name-to-ARN map, so nothing leaves the machine.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

cfn_lint_api = pytest.importorskip("cfnlint.api")
cfn_yaml = pytest.importorskip("cfnlint.decode.cfn_yaml")
sam_transform = pytest.importorskip("samtranslator.translator.transform")
arn_generator = pytest.importorskip("samtranslator.translator.arn_generator")

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
ALEXA_REGIONS = ["us-east-1", "eu-west-1", "us-west-2"]
"""Where Alexa-hosted endpoints live (North America, Europe and India, Far East)."""


class StaticManagedPolicies:
    """Stands in for ``ManagedPolicyLoader``, which would list IAM's policies over the network."""

    def load(self) -> dict[str, str]:
        return {
            "AWSLambdaBasicExecutionRole": (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ),
        }


def load_template() -> dict[str, Any]:
    """The template as plain data, short-form tags (``!Ref``) expanded to their long form."""
    data: dict[str, Any] = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    return data


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def expanded() -> dict[str, Any]:
    """The CloudFormation that the SAM transform makes, as ``sam package`` would feed it."""
    data = load_template()
    # sam package replaces the local CodeUri with the uploaded object; the transform only
    # accepts that form.
    data["Resources"]["KneeCoachFunction"]["Properties"]["CodeUri"] = "s3://bucket/knee-coach.zip"
    with pytest.MonkeyPatch.context() as patch:
        # The region would come from a boto3 session; fixing it keeps the run hermetic.
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setattr(arn_generator.ArnGenerator, "BOTO_SESSION_REGION_NAME", "us-east-1")
        result: dict[str, Any] = sam_transform.transform(
            data, {"SkillId": SKILL_ID}, StaticManagedPolicies()
        )
    return result


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_name}


def the_only(template: dict[str, Any], type_name: str) -> dict[str, Any]:
    found = resources_of_type(template, type_name)
    assert len(found) == 1, f"expected one {type_name}, found {sorted(found)}"
    return next(iter(found.values()))


def test_cfn_lint_reports_nothing() -> None:
    config = cfn_lint_api.ManualArgs(regions=ALEXA_REGIONS)
    matches = cfn_lint_api.lint_file(TEMPLATE, config)
    assert [str(m) for m in matches] == []


def test_alexa_permission_carries_the_skill_id(expanded: dict[str, Any]) -> None:
    permissions = resources_of_type(expanded, "AWS::Lambda::Permission")
    alexa = [p["Properties"] for p in permissions.values()]
    assert len(alexa) == 1, "only the Alexa trigger may invoke the function"
    (permission,) = alexa
    assert permission["Principal"] == "alexa-appkit.amazon.com"
    assert permission["Action"] == "lambda:InvokeFunction"
    assert permission["EventSourceToken"] == {"Ref": "SkillId"}
    assert permission["FunctionName"] == {"Ref": "KneeCoachFunction"}


def test_function_role_touches_only_the_progress_table(expanded: dict[str, Any]) -> None:
    role = the_only(expanded, "AWS::IAM::Role")["Properties"]
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert statements, "the function needs its table"
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == {"Fn::GetAtt": ["ProgressTable", "Arn"]}
        actions = statement["Action"]
        assert set(actions) <= {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}


def test_runtime_and_handler_are_what_the_code_provides(expanded: dict[str, Any]) -> None:
    function = the_only(expanded, "AWS::Lambda::Function")["Properties"]
    assert function["Runtime"] in {"python3.12", "python3.13"}
    assert function["Architectures"] == ["arm64"]
    module_name, _, attribute = function["Handler"].rpartition(".")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))


def test_function_fits_inside_alexas_wait(expanded: dict[str, Any]) -> None:
    function = the_only(expanded, "AWS::Lambda::Function")["Properties"]
    assert function["Timeout"] < 8, "Alexa gives up after about 8 seconds"
    assert 128 <= function["MemorySize"] <= 1024


def test_environment_names_are_those_settings_reads(expanded: dict[str, Any]) -> None:
    from skill.settings import Settings

    variables = the_only(expanded, "AWS::Lambda::Function")["Properties"]["Environment"][
        "Variables"
    ]
    assert variables["KNEE_COACH_DYNAMODB_TABLE"] == {"Ref": "ProgressTable"}
    assert variables["KNEE_COACH_SKILL_ID"] == {"Ref": "SkillId"}
    assert variables["KNEE_COACH_LOG_LEVEL"] == {"Ref": "LogLevel"}
    resolved = {k: v if isinstance(v, str) else "resolved" for k, v in variables.items()}
    settings = Settings.from_env({**resolved, "AWS_LAMBDA_FUNCTION_NAME": "knee-coach"})
    assert settings.persistence == "dynamodb"
    assert settings.dynamodb_table == "resolved"
    assert settings.skill_id == "resolved"


def test_progress_table_matches_the_dynamodb_store(template: dict[str, Any]) -> None:
    from skill.store.dynamodb import PARTITION_KEY, TTL_ATTRIBUTE

    table = the_only(template, "AWS::DynamoDB::Table")["Properties"]
    assert table["KeySchema"] == [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": PARTITION_KEY, "AttributeType": "S"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_deleted_progress_is_not_restorable(template: dict[str, Any]) -> None:
    """Point-in-time recovery would keep "forget me" records restorable for 35 days."""
    table = the_only(template, "AWS::DynamoDB::Table")["Properties"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}


def test_log_group_exists_before_the_function_and_expires(expanded: dict[str, Any]) -> None:
    log_group = the_only(expanded, "AWS::Logs::LogGroup")
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert "KneeCoachFunction" not in json.dumps(log_group)  # created first, named by the stack
    function = the_only(expanded, "AWS::Lambda::Function")["Properties"]
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "KneeCoachLogGroup"}


def test_concurrency_is_capped_unless_the_operator_opts_out(
    template: dict[str, Any], expanded: dict[str, Any]
) -> None:
    parameter = template["Parameters"]["ReservedConcurrency"]
    assert parameter["Default"] == 10 and parameter["MinValue"] == 0
    function = the_only(expanded, "AWS::Lambda::Function")["Properties"]
    assert function["ReservedConcurrentExecutions"] == {
        "Fn::If": ["CapConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert template["Conditions"]["CapConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, 0]}]
    }


def test_no_dead_letter_queue_or_tracing_for_a_synchronous_skill(expanded: dict[str, Any]) -> None:
    """Alexa invokes synchronously; docs/deploy.md says why neither is worth having."""
    function = the_only(expanded, "AWS::Lambda::Function")["Properties"]
    assert "DeadLetterConfig" not in function
    assert function.get("TracingConfig", {"Mode": "PassThrough"}) == {"Mode": "PassThrough"}


def test_the_user_key_secret_is_generated_and_reaches_the_function(
    template: dict[str, Any],
) -> None:
    from skill.store.userkey import MIN_SECRET_CHARS

    secret = the_only(template, "AWS::SecretsManager::Secret")["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= MIN_SECRET_CHARS
    variables = template["Resources"]["KneeCoachFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["KNEE_COACH_USER_KEY_SECRET"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${UserKeySecret}:SecretString}}"
    }


def test_skill_id_parameter_rejects_anything_but_a_skill_id(template: dict[str, Any]) -> None:
    pattern = re.compile(template["Parameters"]["SkillId"]["AllowedPattern"])
    assert pattern.fullmatch(SKILL_ID)
    assert not pattern.fullmatch("arn:aws:lambda:us-east-1:123456789012:function:other")


def test_outputs_give_the_manifest_its_endpoint(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["FunctionArn"]["Value"] == {"Fn::GetAtt": ["KneeCoachFunction", "Arn"]}
    assert outputs["ProgressTableName"]["Value"] == {"Ref": "ProgressTable"}


def test_code_uri_is_what_the_build_writes(template: dict[str, Any]) -> None:
    script = REPO_ROOT / "scripts" / "build_lambda.py"
    spec = importlib.util.spec_from_file_location("build_lambda", script)
    assert spec and spec.loader
    build_lambda = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_lambda", build_lambda)
    spec.loader.exec_module(build_lambda)
    code_uri = template["Resources"]["KneeCoachFunction"]["Properties"]["CodeUri"]
    assert REPO_ROOT / code_uri == build_lambda.DEFAULT_ZIP
