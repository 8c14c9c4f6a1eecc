"""Runs STS calls through botocore (boto3) against sts-local for the jest suite.

Reads a JSON list of cases on stdin and writes one JSON result per case on
stdout: the parsed response (datetimes as ISO text) or the error code, HTTP
status, message and exception class. The jest test (botocore.int-spec.ts)
holds every assertion; this script only makes the calls.
"""
import json
import sys

try:
    import boto3
    import botocore
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as error:  # pragma: no cover - reported to the jest test
    sys.stderr.write(f"boto3 is not installed ({error}); install it with: pip install boto3\n")
    sys.exit(3)


def plain(value):
    """JSON-friendly copy of a botocore response."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def break_signature(request, **_kwargs):
    header = request.headers.get("Authorization")
    if isinstance(header, bytes):
        header = header.decode("ascii")
    if header:
        request.headers["Authorization"] = header.split(", Signature=")[0]


def run(endpoint, case):
    credentials = case.get("credentials") or {}
    config = Config(
        retries={"max_attempts": 1, "mode": "standard"},
        **({"signature_version": UNSIGNED} if case.get("unsigned") else {}),
    )
    client = boto3.session.Session().client(
        "sts",
        endpoint_url=endpoint,
        region_name=case.get("region", "us-east-1"),
        aws_access_key_id=credentials.get("accessKeyId", "AKIAUNSIGNED00000000"),
        aws_secret_access_key=credentials.get("secretAccessKey", "unsigned"),
        aws_session_token=credentials.get("sessionToken"),
        config=config,
    )
    if case.get("breakSignature"):
        client.meta.events.register_last("before-send.sts.*", break_signature)
    try:
        response = getattr(client, case["op"])(**case.get("params", {}))
        return {"name": case["name"], "ok": True, "response": plain(response)}
    except ClientError as error:
        return {
            "name": case["name"],
            "ok": False,
            "code": error.response["Error"]["Code"],
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
            "message": error.response["Error"].get("Message", ""),
            "exception": type(error).__name__,
        }


def main():
    request = json.load(sys.stdin)
    results = [run(request["endpoint"], case) for case in request["cases"]]
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
