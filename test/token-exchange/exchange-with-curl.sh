#!/usr/bin/env bash
# A workload's token exchanged for AWS credentials with curl alone (RFC 8693 at
# fedgate's /oauth/token), then used by the AWS CLI: the recipe of
# docs/workloads.md, run by test/token-exchange/aws-clients.e2e-spec.ts.
#
# Reads: FEDGATE_URL, CLIENT_ID, TOKEN_FILE (the workload's JWT, no trailing
# newline), ACCOUNT, PERMISSION_SET, and AWS_ENDPOINT_URL_STS when STS is
# not AWS's. Prints the caller's ARN as STS reports it.
set -euo pipefail

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
umask 077

# The exchange: the answer is credential_process JSON (and RFC 8693's fields).
curl --silent --show-error --fail-with-body \
  --data-urlencode "grant_type=urn:ietf:params:oauth:grant-type:token-exchange" \
  --data-urlencode "client_id=${CLIENT_ID}" \
  --data-urlencode "subject_token_type=urn:ietf:params:oauth:token-type:jwt" \
  --data-urlencode "subject_token@${TOKEN_FILE}" \
  --data-urlencode "resource=urn:fedgate:aws:${ACCOUNT}:${PERMISSION_SET}" \
  --output "${workdir}/credentials.json" \
  "${FEDGATE_URL}/oauth/token"

# The AWS CLI reads that JSON through a profile's credential_process.
cat > "${workdir}/config" <<CONFIG
[profile fedgate]
credential_process = cat ${workdir}/credentials.json
CONFIG

AWS_CONFIG_FILE="${workdir}/config" AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  aws sts get-caller-identity --profile fedgate --region us-east-1 --query Arn --output text
