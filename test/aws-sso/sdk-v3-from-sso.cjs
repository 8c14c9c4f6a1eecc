// SDK v3's fromSSO with a profile of AWS_CONFIG_FILE and the token cache under $HOME, then
// sts get-caller-identity at AWS_ENDPOINT_URL_STS. Prints {arn, expiration} or {error, name}.
const { fromSSO } = require('@aws-sdk/credential-providers');
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');

async function main() {
  const profile = process.argv[2];
  try {
    const credentials = await fromSSO({ profile })();
    const sts = new STSClient({ region: 'us-east-1', credentials });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    process.stdout.write(
      JSON.stringify({ arn: identity.Arn, expiration: credentials.expiration?.toISOString() }) + '\n',
    );
  } catch (error) {
    process.stdout.write(JSON.stringify({ name: error.name, error: error.message }) + '\n');
  }
}

void main();
