"""botocore's own clients against fedgate's AWS SSO endpoints, for test/aws-sso.

The endpoints come from the `services` section of AWS_CONFIG_FILE (the
profile's), as for any AWS tool; nothing here names a URL. Each command
prints JSON lines on stdout for the test to read.

  login PROFILE        RegisterClient, StartDeviceAuthorization (prints the
                       user code), polls CreateToken as `aws sso login` does,
                       and writes the token cache file AWS CLI v2 writes.
  refusals PROFILE     calls each operation in ways fedgate must refuse and
                       prints the exception botocore raised for each.
  deny PROFILE         a device login the test denies: prints the error the
                       poll ends with.
"""
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


def emit(**fields):
    print(json.dumps(fields), flush=True)


def clients(profile):
    session = botocore.session.Session(profile=profile)
    config = session.full_config
    sso_session = config['profiles'][profile]['sso_session']
    settings = config['sso_sessions'][sso_session]
    unsigned = Config(signature_version=UNSIGNED, retries={'max_attempts': 1})
    region = settings['sso_region']
    oidc = session.create_client('sso-oidc', region_name=region, config=unsigned)
    portal = session.create_client('sso', region_name=region, config=unsigned)
    return sso_session, settings, oidc, portal


def error_of(call):
    try:
        call()
    except ClientError as error:
        return {
            'class': type(error).__name__,
            'code': error.response['Error']['Code'],
            'status': error.response['ResponseMetadata']['HTTPStatusCode'],
            'message': error.response['Error'].get('Message', ''),
        }
    return None


def start(oidc, settings):
    registration = oidc.register_client(clientName='botocore-client-test', clientType='public')
    device = oidc.start_device_authorization(
        clientId=registration['clientId'],
        clientSecret=registration['clientSecret'],
        startUrl=settings['sso_start_url'],
    )
    emit(step='device', clientId=registration['clientId'], userCode=device['userCode'], verificationUri=device['verificationUri'],
         verificationUriComplete=device.get('verificationUriComplete'), interval=device['interval'])
    return registration, device


def poll(oidc, registration, device):
    """Polls as AWS CLI v2's SSO token fetcher does: wait the interval, back off on SlowDown."""
    interval = device['interval']
    deadline = time.time() + device['expiresIn']
    while time.time() < deadline:
        time.sleep(interval)
        try:
            return oidc.create_token(
                grantType='urn:ietf:params:oauth:grant-type:device_code',
                clientId=registration['clientId'],
                clientSecret=registration['clientSecret'],
                deviceCode=device['deviceCode'],
            ), None
        except oidc.exceptions.AuthorizationPendingException:
            emit(step='poll', error='AuthorizationPendingException')
        except oidc.exceptions.SlowDownException:
            emit(step='poll', error='SlowDownException')
            interval += 5
        except ClientError as error:
            return None, type(error).__name__
    return None, 'timeout'


def login(profile):
    sso_session, settings, oidc, _ = clients(profile)
    registration, device = start(oidc, settings)
    token, error = poll(oidc, registration, device)
    if token is None:
        emit(step='failed', error=error)
        sys.exit(1)
    now = datetime.now(timezone.utc)
    cache = {
        'startUrl': settings['sso_start_url'],
        'sessionName': sso_session,
        'accessToken': token['accessToken'],
        'expiresAt': (now + timedelta(seconds=token['expiresIn'])).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'clientId': registration['clientId'],
        'clientSecret': registration['clientSecret'],
        'registrationExpiresAt': datetime.fromtimestamp(
            registration['clientSecretExpiresAt'], timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'refreshToken': token['refreshToken'],
        'region': settings['sso_region'],
    }
    directory = os.path.expanduser(os.path.join('~', '.aws', 'sso', 'cache'))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, hashlib.sha1(sso_session.encode('utf-8')).hexdigest() + '.json')
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
        json.dump(cache, handle)
    emit(step='done', cacheFile=path, expiresIn=token['expiresIn'], tokenType=token['tokenType'])


def deny(profile):
    _, settings, oidc, _ = clients(profile)
    registration, device = start(oidc, settings)
    _, error = poll(oidc, registration, device)
    emit(step='denied', error=error)


def refusals(profile):
    sso_session, settings, oidc, portal = clients(profile)
    path = os.path.expanduser(os.path.join(
        '~', '.aws', 'sso', 'cache', hashlib.sha1(sso_session.encode('utf-8')).hexdigest() + '.json'))
    with open(path) as handle:
        cached = json.load(handle)
    client_id, client_secret = cached['clientId'], cached['clientSecret']
    registration = oidc.register_client(clientName='botocore-client-other', clientType='public')
    device = oidc.start_device_authorization(
        clientId=registration['clientId'], clientSecret=registration['clientSecret'],
        startUrl=settings['sso_start_url'])

    def device_token(code, cid=registration['clientId'], secret=registration['clientSecret']):
        return lambda: oidc.create_token(
            grantType='urn:ietf:params:oauth:grant-type:device_code',
            clientId=cid, clientSecret=secret, deviceCode=code)

    results = {
        'unknownClient': error_of(lambda: oidc.start_device_authorization(
            clientId='fgcl_' + 'A' * 22, clientSecret='fgcs_' + 'A' * 43, startUrl=settings['sso_start_url'])),
        'wrongSecret': error_of(lambda: oidc.create_token(
            grantType='refresh_token', clientId=client_id, clientSecret='fgcs_' + 'B' * 43,
            refreshToken=cached['refreshToken'])),
        'otherStartUrl': error_of(lambda: oidc.start_device_authorization(
            clientId=client_id, clientSecret=client_secret, startUrl='https://example.awsapps.com/start')),
        'publicOnly': error_of(lambda: oidc.register_client(clientName='x', clientType='confidential')),
        'otherScope': error_of(lambda: oidc.register_client(
            clientName='x', clientType='public', scopes=['codewhisperer:completions'])),
        'notLoopbackRedirect': error_of(lambda: oidc.register_client(
            clientName='x', clientType='public', grantTypes=['authorization_code'],
            redirectUris=['https://attacker.example/callback'])),
        'unsupportedGrant': error_of(lambda: oidc.create_token(
            grantType='client_credentials', clientId=client_id, clientSecret=client_secret)),
        'pending': error_of(device_token(device['deviceCode'])),
        'slowDown': error_of(device_token(device['deviceCode'])),
        'unknownDeviceCode': error_of(device_token('not-a-device-code')),
        'expiredDeviceCode': error_of(device_token('fgd_' + 'A' * 43)),
        'refreshOfAnotherClient': error_of(lambda: oidc.create_token(
            grantType='refresh_token', clientId=registration['clientId'],
            clientSecret=registration['clientSecret'], refreshToken=cached['refreshToken'])),
        'garbageToken': error_of(lambda: portal.list_accounts(accessToken='not-a-token')),
        'forgedToken': error_of(lambda: portal.list_accounts(accessToken='fga_' + 'A' * 43)),
        'otherAccount': error_of(lambda: portal.list_account_roles(
            accessToken=cached['accessToken'], accountId='999999999999')),
        'notEntitledRole': error_of(lambda: portal.get_role_credentials(
            accessToken=cached['accessToken'], accountId='123456789012', roleName='Admin')),
        'badPageToken': error_of(lambda: portal.list_accounts(
            accessToken=cached['accessToken'], nextToken='garbage!')),
    }
    emit(step='refusals', results=results)


def logout(profile):
    sso_session, _, oidc, portal = clients(profile)
    path = os.path.expanduser(os.path.join(
        '~', '.aws', 'sso', 'cache', hashlib.sha1(sso_session.encode('utf-8')).hexdigest() + '.json'))
    with open(path) as handle:
        cached = json.load(handle)
    portal.logout(accessToken=cached['accessToken'])
    emit(step='logout',
         afterLogout=error_of(lambda: portal.list_accounts(accessToken=cached['accessToken'])),
         refreshAfterLogout=error_of(lambda: oidc.create_token(
             grantType='refresh_token', clientId=cached['clientId'], clientSecret=cached['clientSecret'],
             refreshToken=cached['refreshToken'])))


def pages(profile):
    sso_session, _, _, portal = clients(profile)
    path = os.path.expanduser(os.path.join(
        '~', '.aws', 'sso', 'cache', hashlib.sha1(sso_session.encode('utf-8')).hexdigest() + '.json'))
    with open(path) as handle:
        cached = json.load(handle)
    accounts = portal.list_accounts(accessToken=cached['accessToken'])['accountList']
    paginator = portal.get_paginator('list_account_roles')
    pages_seen = [
        [role['roleName'] for role in page['roleList']]
        for page in paginator.paginate(accessToken=cached['accessToken'], accountId=accounts[0]['accountId'],
                                       PaginationConfig={'PageSize': 1})
    ]
    emit(step='pages', accounts=accounts, rolePages=pages_seen)


def authcode(profile):
    """The authorization code grant with PKCE, as AWS CLI v2 (2.22 and later) runs it."""
    import base64
    import secrets
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.parse import parse_qs, urlencode, urlparse

    _, _, oidc, portal = clients(profile)
    received = {}

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self):
            received.update({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'done')

        def log_message(self, *args):
            pass

    server = HTTPServer(('127.0.0.1', 0), Callback)
    redirect_uri = 'http://127.0.0.1:%d/oauth/callback' % server.server_port
    registration = oidc.register_client(
        clientName='botocore-client-authcode', clientType='public', scopes=['sso:account:access'],
        grantTypes=['authorization_code', 'refresh_token'], redirectUris=[redirect_uri],
        issuerUrl=oidc.meta.endpoint_url)
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b'=').decode()
    state = secrets.token_urlsafe(16)
    query = urlencode({
        'response_type': 'code', 'client_id': registration['clientId'], 'redirect_uri': redirect_uri,
        'state': state, 'code_challenge_method': 'S256', 'scopes': 'sso:account:access',
        'code_challenge': challenge})
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    emit(step='authorize', url=oidc.meta.endpoint_url + '/authorize?' + query,
         authorizationEndpoint=registration.get('authorizationEndpoint'))
    thread.join(60)
    server.server_close()
    if received.get('state') != state or 'code' not in received:
        emit(step='failed', received=received)
        sys.exit(1)

    def exchange(code, code_verifier):
        return lambda: oidc.create_token(
            grantType='authorization_code', clientId=registration['clientId'],
            clientSecret=registration['clientSecret'], code=code, redirectUri=redirect_uri,
            codeVerifier=code_verifier)

    token = exchange(received['code'], verifier)()
    accounts = portal.list_accounts(accessToken=token['accessToken'])['accountList']
    emit(step='token', expiresIn=token['expiresIn'], accounts=accounts,
         replayed=error_of(exchange(received['code'], verifier)))


if __name__ == '__main__':
    {'authcode': authcode, 'login': login, 'deny': deny, 'refusals': refusals, 'logout': logout, 'pages': pages}[sys.argv[1]](sys.argv[2])
