import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The repository's user-facing documents: README.md and everything under docs/. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface CodeBlock {
  /** `docs/connectors/saml.md:42`, for failure messages. */
  where: string;
  file: string;
  language: string;
  text: string;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return markdownFiles(path);
    }
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

export function userDocuments(): string[] {
  return [join(REPO_ROOT, 'README.md'), ...markdownFiles(join(REPO_ROOT, 'docs'))];
}

/** Every fenced code block of a markdown file, with its language tag and first line number. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let open: { language: string; start: number; body: string[] } | undefined;
  lines.forEach((line, index) => {
    const fence = /^```(\S*)\s*$/.exec(line);
    if (open === undefined && fence !== null) {
      open = { language: fence[1] ?? '', start: index + 2, body: [] };
    } else if (open !== undefined && line.startsWith('```')) {
      const name = relative(REPO_ROOT, file);
      blocks.push({
        where: `${name}:${open.start}`,
        file: name,
        language: open.language,
        text: open.body.join('\n'),
      });
      open = undefined;
    } else if (open !== undefined) {
      open.body.push(line);
    }
  });
  return blocks;
}
