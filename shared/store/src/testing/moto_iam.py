"""moto's server with IAM enforced, served one request at a time, for gridlink's IAM tests.

Run as `python3 -c <this file> moto -H <host> -p <port>` (see `testing/iam.rs`).

moto checks every request's SigV4 signature and the caller's identity policies once
INITIAL_NO_AUTH_ACTION_COUNT requests have passed; it is 0 here, so from the first request.
Three things are added so that moto judges the way AWS does for what gridlink uses:

1. DynamoDB requests are authorised against the table's ARN (`…:table/<name>`, or
   `…:table/<name>/index/<index>` for a query on an index). moto itself checks them against `*`,
   so a policy scoped to the table (as every real one is) would deny everything.
   `TransactWriteItems` is authorised as AWS does: one `PutItem` / `UpdateItem` / `DeleteItem` /
   `ConditionCheckItem` per item, on that item's table (IAM has no TransactWriteItems action).
2. Secrets Manager requests naming a secret by ARN are authorised against that ARN (moto: `*`).
3. `POST /__gridlink/role-session` with `{"role": <name>, "policy": <policy document>}` creates
   an IAM role with that inline policy (moto validates the document as IAM does), assumes it,
   and answers `{"access_key_id", "secret_access_key", "session_token", "role_arn"}`: the
   temporary credentials a Lambda function running under that role would have. moto refuses a
   document IAM would refuse with 400 and its message.

Served one request at a time for the same reason as the plain launcher (`testing/moto.rs`):
moto's DynamoDB applies concurrent conditional writes non-atomically.
"""

import json
import os
import sys

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"

from werkzeug.serving import run_simple  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.dynamodb.responses import DynamoHandler  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)
from moto.secretsmanager.responses import SecretsManagerResponse  # noqa: E402

try:  # moto 5.2.5 (the pinned version) has it; older releases serve without it.
    from moto.server import MotoRequestHandler  # noqa: E402
except ImportError:
    MotoRequestHandler = None
from moto.sts.models import sts_backends  # noqa: E402

TRANSACT_WRITE_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def dynamodb_checks(action, body, region, account):
    """The (IAM action, resource ARN) pairs AWS authorises a DynamoDB request as."""

    def table(name):
        return f"arn:aws:dynamodb:{region}:{account}:table/{name}"

    if action == "TransactWriteItems":
        return [
            (TRANSACT_WRITE_ACTIONS[op], table(item[op]["TableName"]))
            for item in body.get("TransactItems", [])
            for op in item
            if op in TRANSACT_WRITE_ACTIONS
        ]
    if action == "TransactGetItems":
        return [
            ("GetItem", table(item["Get"]["TableName"]))
            for item in body.get("TransactItems", [])
        ]
    if action in ("BatchGetItem", "BatchWriteItem"):
        return [(action, table(name)) for name in body.get("RequestItems", {})]
    name = body.get("TableName")
    if not name:
        return [(action, "*")]
    arn = table(name)
    if body.get("IndexName"):
        arn += "/index/" + body["IndexName"]
    return [(action, arn)]


def authorize_dynamodb(self, resource="*"):
    try:
        body = json.loads(self.raw_body or b"{}")
    except ValueError:
        body = {}
    checks = dynamodb_checks(self._get_action(), body, self.region, self.current_account)
    for action, arn in checks:
        self._get_action = lambda action=action: action
        try:
            ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, arn)
        finally:
            del self._get_action


def secret_resource(self):
    try:
        secret_id = json.loads(self.raw_body or b"{}").get("SecretId", "")
    except ValueError:
        secret_id = ""
    return secret_id if secret_id.startswith("arn:") else "*"


DynamoHandler._authenticate_and_authorize_normal_action = authorize_dynamodb
SecretsManagerResponse._determine_resource = secret_resource

LAMBDA_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def role_session(spec):
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    role = iam.create_role(
        role_name=spec["role"],
        assume_role_policy_document=LAMBDA_TRUST,
        path="/",
        permissions_boundary=None,
        description="gridlink test role",
        tags=[],
        max_session_duration=None,
    )
    iam.put_role_policy(
        role_name=spec["role"],
        policy_name=spec["role"],
        policy_json=json.dumps(spec["policy"]),
    )
    session = sts_backends[DEFAULT_ACCOUNT_ID]["aws"].assume_role(
        region_name="us-east-1",
        role_session_name="gridlink-tests",
        role_arn=role.arn,
        policy=None,
        duration=3600,
        external_id=None,
    )
    return {
        "access_key_id": session.access_key_id,
        "secret_access_key": session.secret_access_key,
        "session_token": session.session_token,
        "role_arn": role.arn,
    }


class GridlinkTestApi:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/__gridlink/role-session":
            return self.app(environ, start_response)
        try:
            answer = Response(
                json.dumps(role_session(json.loads(Request(environ).get_data()))),
                mimetype="application/json",
            )
        except Exception as error:  # the test reads the message
            answer = Response(f"{type(error).__name__}: {error}", status=400)
        return answer(environ, start_response)


args = sys.argv[1:]
host = args[args.index("-H") + 1]
port = int(args[args.index("-p") + 1])
options = {"request_handler": MotoRequestHandler} if MotoRequestHandler else {}
run_simple(
    host,
    port,
    GridlinkTestApi(DomainDispatcherApplication(create_backend_app)),
    threaded=False,
    **options,
)
