/** The console host of each partition (DESIGN §6.3); regional hosts are `REGION.` + this. */
export const CONSOLE_HOSTS: Readonly<Record<string, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/**
 * Whether a login Destination stays on the partition's console: https, the
 * console host or a regional `REGION.console…` host, no credentials in the
 * URL, default port.
 */
export function isAllowedDestination(destination: string, partition: string): boolean {
  const host = CONSOLE_HOSTS[partition];
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return false;
  }
  if (
    host === undefined ||
    url.protocol !== 'https:' ||
    url.username !== '' ||
    url.password !== '' ||
    url.port !== ''
  ) {
    return false;
  }
  return (
    url.hostname === host ||
    new RegExp(`^[a-z]{2}(-[a-z]+)+-\\d\\.${host.replace(/\./g, '\\.')}$`).test(url.hostname)
  );
}
