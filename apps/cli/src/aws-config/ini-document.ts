/**
 * A line-exact view of an AWS config file: it knows where each section
 * starts and ends and edits whole sections, and every other byte (comments,
 * blank lines, other profiles, line endings, a missing final newline) stays
 * exactly as it was. No INI library keeps comments through a rewrite, and
 * fedgate only ever needs to replace, add or remove its own sections.
 */
export interface IniSection {
  /** The text between the brackets, trimmed: `profile dev`, `default`, `sso-session corp`. */
  name: string;
  /** Index of the header line. */
  header: number;
  /** Index one past the section's last key line (trailing comments and blank lines are not its own). */
  end: number;
  /** key = value lines of the section, keys lower-cased as both botocore and the JS SDK compare them. */
  values: ReadonlyMap<string, string>;
}

const COMMENT = /^\s*[#;]/;

/** The profile a section declares (`[profile NAME]` or `[default]`), or undefined for any other section. */
export function profileNameOf(section: Pick<IniSection, 'name'>): string | undefined {
  if (section.name === 'default') {
    return 'default';
  }
  const match = /^profile\s+(.+)$/.exec(section.name);
  return match?.[1]?.trim();
}

export class IniDocument {
  private constructor(
    private lines: string[],
    readonly eol: string,
  ) {}

  static parse(text: string): IniDocument {
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    return new IniDocument(lines, text.includes('\r\n') ? '\r\n' : '\n');
  }

  text(): string {
    return this.lines.join('');
  }

  /**
   * The sections in file order. A header is an unindented line whose text
   * starts with `[` and has a `]` (botocore's configparser and the JS SDK
   * agree on these; an indented line may continue the value above it).
   */
  sections(): IniSection[] {
    const sections: IniSection[] = [];
    let current: { name: string; header: number; end: number; values: Map<string, string> } | undefined;
    this.lines.forEach((raw, index) => {
      const line = raw.replace(/\r?\n$/, '');
      const header = /^\[(.*)\]/.exec(line.trimEnd());
      if (header && !/^\s/.test(line)) {
        current = { name: (header[1] ?? '').trim(), header: index, end: index + 1, values: new Map() };
        sections.push(current);
        return;
      }
      if (current === undefined || line.trim() === '' || COMMENT.test(line)) {
        return;
      }
      current.end = index + 1;
      const equals = line.indexOf('=');
      if (equals > 0 && !/^\s/.test(line)) {
        current.values.set(line.slice(0, equals).trim().toLowerCase(), line.slice(equals + 1).trim());
      }
    });
    return sections;
  }

  /** Replaces a section (header through its last key line) with `block` (lines without line endings). */
  replace(section: IniSection, block: readonly string[]): void {
    this.lines.splice(section.header, section.end - section.header, ...block.map((line) => line + this.eol));
  }

  /** Removes a section and one blank line after it, so removals do not pile up blank lines. */
  remove(section: IniSection): void {
    const next = this.lines[section.end];
    const extra = next !== undefined && next.trim() === '' ? 1 : 0;
    this.lines.splice(section.header, section.end - section.header + extra);
  }

  /** Appends a section at the end, after a blank line. */
  append(block: readonly string[]): void {
    const last = this.lines.at(-1);
    if (last !== undefined && !last.endsWith('\n')) {
      this.lines[this.lines.length - 1] = last + this.eol;
    }
    if (this.lines.length > 0 && this.lines.at(-1)?.trim() !== '') {
      this.lines.push(this.eol);
    }
    this.lines.push(...block.map((line) => line + this.eol));
  }
}
