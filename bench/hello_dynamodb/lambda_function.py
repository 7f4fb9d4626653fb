"""The baseline of ``make bench``'s DynamoDB row: the hello skill with the SDK's own adapter.

Built at import the way the ASK samples do it: a boto3 DynamoDB resource handed to
``ask_sdk_dynamodb``'s ``DynamoDbAdapter`` (whose module builds a default resource of its own
when imported), and the adapter given to a ``CustomSkillBuilder``. Knee Coach's own import with
its DynamoDB store is judged against this in the same run.
"""

from __future__ import annotations

import os

import boto3
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_dynamodb.adapter import DynamoDbAdapter
from ask_sdk_model import Response


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        text = "Hello world."
        return handler_input.response_builder.speak(text).ask(text).response


adapter = DynamoDbAdapter(
    table_name=os.environ.get("DYNAMODB_PERSISTENCE_TABLE_NAME", "KneeCoachProgress"),
    create_table=False,
    dynamodb_resource=boto3.resource(
        "dynamodb", region_name=os.environ.get("DYNAMODB_PERSISTENCE_REGION")
    ),
)
sb = CustomSkillBuilder(persistence_adapter=adapter)
sb.add_request_handler(LaunchRequestHandler())
lambda_handler = sb.lambda_handler()
