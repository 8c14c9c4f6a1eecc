import { IniDocument, type IniSection, profileNameOf } from './ini-document';
import { shellCommandLine } from './shell-words';

/** The key that marks a profile as fedgate's: `fedgate configure` rewrites or removes only these. */
export const MANAGED_KEY = 'fedgate_url';

const MANAGED_COMMENT =
  '# written by fedgate configure, which rewrites or removes this profile: make your own for changes';

/** One profile fedgate wants in the config file. */
export interface WantedProfile {
  name: string;
  accountId: string;
  permissionSet: string;
}

export interface ProfilePlanInput {
  brokerUrl: string;
  /** Only profiles whose names start with this are removed when no longer entitled. */
  prefix: string;
  /** How to run fedgate itself: e.g. [node, /path/to/main.js]. */
  command: readonly string[];
  region?: string;
  profiles: readonly WantedProfile[];
}

export type ProfileChange = { action: 'add' | 'update' | 'unchanged' | 'remove'; name: string };

/** A profile fedgate would write is already someone else's; nothing was changed. */
export class ProfileConflictError extends Error {
  constructor(readonly names: readonly string[]) {
    super(
      `the config file already has profile(s) ${names.join(', ')} not written by fedgate for this broker; ` +
        'choose other names with --prefix, or rename those profiles',
    );
    this.name = 'ProfileConflictError';
  }
}

/** The lines of one fedgate profile. */
export function profileBlock(input: ProfilePlanInput, profile: WantedProfile): string[] {
  const process = shellCommandLine([
    ...input.command,
    'credential-process',
    '--url',
    input.brokerUrl,
    '--account',
    profile.accountId,
    '--permission-set',
    profile.permissionSet,
  ]);
  return [
    `[profile ${profile.name}]`,
    MANAGED_COMMENT,
    `${MANAGED_KEY} = ${input.brokerUrl}`,
    `credential_process = ${process}`,
    ...(input.region === undefined ? [] : [`region = ${input.region}`]),
  ];
}

function blockOf(document: IniDocument, section: IniSection): string {
  return document.text().split(/\r?\n/).slice(section.header, section.end).join('\n');
}

/**
 * Brings fedgate's profiles for one broker in `text` up to date: adds the
 * missing ones at the end, rewrites its own in place, removes its own that
 * start with the prefix but are no longer entitled. Every byte outside
 * those sections stays as it was, so running it twice changes nothing the
 * second time. Throws ProfileConflictError, changing nothing, when a
 * wanted name is taken by a profile fedgate did not write for this broker.
 */
export function planProfiles(
  text: string,
  input: ProfilePlanInput,
): { text: string; changes: ProfileChange[] } {
  const document = IniDocument.parse(text);
  const sections = document.sections();
  const byProfile = new Map<string, IniSection[]>();
  for (const section of sections) {
    const name = profileNameOf(section);
    if (name !== undefined) {
      byProfile.set(name, [...(byProfile.get(name) ?? []), section]);
    }
  }
  const isOurs = (section: IniSection) => section.values.get(MANAGED_KEY) === input.brokerUrl;

  const conflicts = input.profiles
    .filter((profile) => (byProfile.get(profile.name) ?? []).some((section) => !isOurs(section)))
    .map((profile) => profile.name);
  if (conflicts.length > 0) {
    throw new ProfileConflictError(conflicts);
  }

  const wanted = new Set(input.profiles.map((profile) => profile.name));
  const changes: ProfileChange[] = [];
  const edits: { section: IniSection; block?: string[] }[] = [];
  const appended: string[][] = [];
  for (const profile of input.profiles) {
    const block = profileBlock(input, profile);
    const [first, ...duplicates] = byProfile.get(profile.name) ?? [];
    if (first === undefined) {
      appended.push(block);
      changes.push({ action: 'add', name: profile.name });
      continue;
    }
    const same = blockOf(document, first) === block.join('\n') && duplicates.length === 0;
    changes.push({ action: same ? 'unchanged' : 'update', name: profile.name });
    edits.push({ section: first, block }, ...duplicates.map((section) => ({ section })));
  }
  for (const section of sections) {
    const name = profileNameOf(section);
    if (name !== undefined && isOurs(section) && name.startsWith(input.prefix) && !wanted.has(name)) {
      edits.push({ section });
      changes.push({ action: 'remove', name });
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

/** The profile name for an entitlement: prefix, account name, `-`, permission set, folded to safe characters. */
export function profileName(prefix: string, accountName: string, permissionSet: string): string {
  return `${prefix}${accountName}-${permissionSet}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}
