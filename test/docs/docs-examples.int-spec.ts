import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { z } from 'zod';
import { buildProgram } from '../../apps/cli/src/program';
import { CONFIG_SECTIONS, CONNECTOR_LIST, type ConfigSection } from './config-sections';
import { codeBlocks, REPO_ROOT, userDocuments, type CodeBlock } from './markdown-blocks';

// The documents are what users copy from: every YAML example must be a valid piece of a fedgate or
// sts-local config, and every fedgate or npm command shown must exist. docs/development.md says how
// a block that is not fedgate config opts out.
const NOT_CONFIG_MARK = '# not a fedgate config';
const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
const REFERENCE = /\$\{(?:env|file):[^}]+\}/g;
const WHOLE_REFERENCE = /^\$\{(?:env|file):[^}]+\}$/;

const blocks = userDocuments().flatMap(codeBlocks);
const yamlBlocks = blocks.filter((block) => block.language === 'yaml' || block.language === 'yml');
const shellBlocks = blocks.filter((block) => SHELL_LANGUAGES.has(block.language));

type Path = (string | number)[];

/** The block's data with references replaced, and where whole values were references (checked only when loaded). */
function withoutReferences(
  value: unknown,
  path: Path = [],
  references: string[] = [],
): { data: unknown; references: string[] } {
  if (typeof value === 'string') {
    if (WHOLE_REFERENCE.test(value.trim())) {
      references.push(JSON.stringify(path));
    }
    return { data: value.replace(REFERENCE, 'placeholder'), references };
  }
  if (Array.isArray(value)) {
    return {
      data: value.map((item, index) => withoutReferences(item, [...path, index], references).data),
      references,
    };
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => [
      key,
      withoutReferences(item, [...path, key], references).data,
    ]);
    return { data: Object.fromEntries(entries), references };
  }
  return { data: value, references };
}

function problems(schema: z.ZodType, data: unknown, prefix: Path, references: readonly string[]): string[] {
  const result = schema.safeParse(data);
  if (result.success) {
    return [];
  }
  return result.error.issues
    .map((issue) => ({ path: [...prefix, ...(issue.path as Path)], message: issue.message }))
    .filter(({ path }) => !references.includes(JSON.stringify(path)))
    .map(({ path, message }) => `${path.join('.')}: ${message}`);
}

/** Why the block fits no section of any config, or nothing when it is a valid piece of one. */
function configProblems(block: CodeBlock): string[] {
  const { data, references } = withoutReferences(parse(block.text) as unknown);
  if (Array.isArray(data)) {
    return problems(CONNECTOR_LIST, data, [], references);
  }
  if (typeof data !== 'object' || data === null) {
    return ['is not a YAML mapping or list'];
  }
  const keys = Object.keys(data);
  const record = data as Record<string, unknown>;
  const fitting = CONFIG_SECTIONS.filter((section: ConfigSection) =>
    keys.every((key) => key in section.shape),
  );
  if (fitting.length === 0) {
    return [`its keys (${keys.join(', ')}) fit no section of the broker's or sts-local's config`];
  }
  const attempts = fitting.map((section) => ({
    section: section.name,
    problems: keys.flatMap((key) => problems(section.shape[key]!, record[key], [key], references)),
  }));
  const valid = attempts.find((attempt) => attempt.problems.length === 0);
  return valid === undefined
    ? attempts[0]!.problems.map((problem) => `as ${attempts[0]!.section}: ${problem}`)
    : [];
}

function commandNames(command: Command): Map<string, Command> {
  return new Map(
    command.commands.flatMap((child) =>
      [child.name(), ...child.aliases()].map((name) => [name, child] as const),
    ),
  );
}

/** The words after `fedgate` that name no command of the CLI, if any. */
function unknownFedgateCommand(words: readonly string[]): string | undefined {
  let current: Command = buildProgram({
    io: { stdin: process.stdin, stdout: { write: () => true }, stderr: { write: () => true }, env: {} },
    setExitCode: () => undefined,
  });
  for (const word of words) {
    if (word.startsWith('-') || current.commands.length === 0) {
      return undefined;
    }
    const next = commandNames(current).get(word);
    if (next === undefined) {
      return word;
    }
    current = next;
  }
  return current.commands.length > 0 ? '(a command is missing after the group)' : undefined;
}

const scripts = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
);
const BINS = ['fedgate', 'npx fedgate', 'node dist/apps/cli/src/main.js'];

/** Each simple command of a shell block: prompts stripped, continuations joined, split at && ; |. */
function shellCommands(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => line.replace(/^\s*\$\s+/, '').split(/&&|\|\||;|\|/))
    .map((command) => command.trim().replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, ''))
    .filter((command) => command !== '');
}

function commandProblems(block: CodeBlock): string[] {
  return shellCommands(block.text).flatMap((command) => {
    const words = command.split(/\s+/);
    const npmScript = /^npm run ([\w:-]+)/.exec(command)?.[1];
    if (npmScript !== undefined && !scripts.includes(npmScript)) {
      return [`npm run ${npmScript}: package.json has no such script`];
    }
    if (/^npm (start|test)\b/.test(command) && !scripts.includes(words[1]!)) {
      return [`${command}: package.json has no such script`];
    }
    const bin = BINS.find((prefix) => command === prefix || command.startsWith(`${prefix} `));
    if (bin === undefined) {
      return [];
    }
    const unknown = unknownFedgateCommand(
      command
        .slice(bin.length)
        .trim()
        .split(/\s+/)
        .filter((word) => word !== ''),
    );
    return unknown === undefined ? [] : [`${command}: fedgate has no command ${unknown}`];
  });
}

describe('the examples in README.md and docs/', () => {
  it('has YAML and shell examples to check', () => {
    expect(yamlBlocks.length).toBeGreaterThan(10);
    expect(shellBlocks.length).toBeGreaterThan(3);
  });

  it.each(yamlBlocks.map((block) => [block.where, block] as const))('%s is valid YAML', (_where, block) => {
    expect(() => parse(block.text) as unknown).not.toThrow();
  });

  it.each(
    yamlBlocks
      .filter((block) => !block.text.trimStart().startsWith(NOT_CONFIG_MARK))
      .map((block) => [block.where, block] as const),
  )('%s is a valid piece of a config', (_where, block) => {
    expect(configProblems(block)).toEqual([]);
  });

  it.each(shellBlocks.map((block) => [block.where, block] as const))(
    '%s names only commands that exist',
    (_where, block) => {
      expect(commandProblems(block)).toEqual([]);
    },
  );
});

describe('the checks of the examples can fail', () => {
  const block = (text: string, language = 'yaml'): CodeBlock => ({
    where: 'test',
    file: 'test',
    language,
    text,
  });

  it('refuses a misspelt key, a wrong value and a block that fits nowhere', () => {
    expect(configProblems(block('server:\n  publicUrl: https://x.example\n  prot: 8080\n'))).not.toEqual([]);
    expect(configProblems(block('- id: a\n  type: static\n  users: nope\n'))).not.toEqual([]);
    expect(configProblems(block('nothing: here\n'))).not.toEqual([]);
  });

  it('answers a value of the wrong kind with a message, not a crash', () => {
    expect(configProblems(block('idp: { metadataUrl: not-a-url }\n'))).toEqual([
      'as connectors[type: saml]: idp.metadataUrl: must be an absolute http(s) URL',
    ]);
  });

  it('accepts a reference where a secret goes, but checks what surrounds it', () => {
    expect(
      configProblems(
        block(
          "backends:\n  - id: aws\n    type: sts\n    credentials: { accessKeyId: '${env:A}', secretAccessKey: '${file:/k}' }\n",
        ),
      ),
    ).toEqual([]);
  });

  it('refuses a fedgate command or npm script that does not exist', () => {
    expect(commandProblems(block('fedgate nosuch --flag', 'sh'))).not.toEqual([]);
    expect(commandProblems(block('npm run nosuch', 'sh'))).not.toEqual([]);
    expect(commandProblems(block('$ fedgate config validate fedgate.yaml', 'sh'))).toEqual([]);
  });
});
