import { IniDocument, type IniSection } from './ini-document';
import type { ProfileChange, WantedProfile } from './fedgate-profiles';
import { ProfileConflictError } from './fedgate-profiles';

/**
 * Marks a section as written by `fedgate configure --sso`. A comment, not a
 * key: in a `[services …]` section every key names an AWS service.
 */
export const SSO_MANAGED_COMMENT =
  '# written by fedgate configure --sso, which rewrites or removes this section: make your own for changes';

export interface SsoPlanInput {
  brokerUrl: string;
  /** The `sso-session` (and `services`) section name. */
  sessionName: string;
  /** Only profiles whose names start with this are removed when no longer entitled. */
  prefix: string;
  /** The profiles' `region`; `sso_region` is this or us-east-1 (fedgate ignores it, AWS's clients need one). */
  region?: string;
  profiles: readonly WantedProfile[];
}

/** The sections `--sso` wants, in the order they are appended: the session, its endpoints, the profiles. */
export function ssoSections(input: SsoPlanInput): { name: string; block: string[] }[] {
  const base = input.brokerUrl.replace(/\/+$/, '');
  const session = `sso-session ${input.sessionName}`;
  const services = `services ${input.sessionName}`;
  return [
    {
      name: session,
      block: [
        `[${session}]`,
        SSO_MANAGED_COMMENT,
        `sso_start_url = ${base}`,
        `sso_region = ${input.region ?? 'us-east-1'}`,
        'sso_registration_scopes = sso:account:access',
      ],
    },
    {
      name: services,
      block: [
        `[${services}]`,
        SSO_MANAGED_COMMENT,
        'sso =',
        `  endpoint_url = ${base}/aws-sso/portal`,
        'sso_oidc =',
        `  endpoint_url = ${base}/aws-sso/oidc`,
      ],
    },
    ...input.profiles.map((profile) => ({
      name: `profile ${profile.name}`,
      block: [
        `[profile ${profile.name}]`,
        SSO_MANAGED_COMMENT,
        `sso_session = ${input.sessionName}`,
        `sso_account_id = ${profile.accountId}`,
        `sso_role_name = ${profile.permissionSet}`,
        `services = ${input.sessionName}`,
        ...(input.region === undefined ? [] : [`region = ${input.region}`]),
      ],
    })),
  ];
}

/**
 * Brings the `--sso` sections in `text` up to date, as planProfiles does
 * for credential_process profiles: missing ones appended, its own rewritten
 * in place, its own profiles that start with the prefix but are no longer
 * entitled removed, every other byte kept. A wanted name taken by a section
 * fedgate did not write is a ProfileConflictError, changing nothing.
 */
export function planSsoProfiles(
  text: string,
  input: SsoPlanInput,
): { text: string; changes: ProfileChange[] } {
  const document = IniDocument.parse(text);
  const lines = document.text().split(/\r?\n/);
  const blockOf = (section: IniSection) => lines.slice(section.header, section.end).join('\n');
  const isOurs = (section: IniSection) => lines[section.header + 1] === SSO_MANAGED_COMMENT;
  const sections = document.sections();
  const byName = new Map<string, IniSection[]>();
  for (const section of sections) {
    byName.set(section.name, [...(byName.get(section.name) ?? []), section]);
  }
  const wanted = ssoSections(input);
  const conflicts = wanted
    .filter((entry) => (byName.get(entry.name) ?? []).some((section) => !isOurs(section)))
    .map((entry) => entry.name);
  if (conflicts.length > 0) {
    throw new ProfileConflictError(conflicts);
  }
  const wantedNames = new Set(wanted.map((entry) => entry.name));
  const changes: ProfileChange[] = [];
  const edits: { section: IniSection; block?: string[] }[] = [];
  const appended: string[][] = [];
  for (const entry of wanted) {
    const [first, ...duplicates] = byName.get(entry.name) ?? [];
    if (first === undefined) {
      appended.push(entry.block);
      changes.push({ action: 'add', name: entry.name });
      continue;
    }
    const same = blockOf(first) === entry.block.join('\n') && duplicates.length === 0;
    changes.push({ action: same ? 'unchanged' : 'update', name: entry.name });
    edits.push({ section: first, block: entry.block }, ...duplicates.map((section) => ({ section })));
  }
  const profilePrefix = `profile ${input.prefix}`;
  for (const section of sections) {
    if (
      isOurs(section) &&
      section.name.startsWith(profilePrefix) &&
      section.values.get('sso_session') === input.sessionName &&
      !wantedNames.has(section.name)
    ) {
      edits.push({ section });
      changes.push({ action: 'remove', name: section.name });
    }
  }
  // Bottom to top, so the line numbers of the sections still to edit stay right.
  edits.sort((a, b) => b.section.header - a.section.header);
  for (const edit of edits) {
    if (edit.block === undefined) {
      document.remove(edit.section);
    } else {
      document.replace(edit.section, edit.block);
    }
  }
  for (const block of appended) {
    document.append(block);
  }
  return { text: document.text(), changes };
}
