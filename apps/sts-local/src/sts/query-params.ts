/**
 * The parameters of an STS Query API request (docs/sts-local.md): from the query
 * string and a form body, with AWS's list notation (`Tags.member.N.Key`,
 * `TransitiveTagKeys.member.N`, `PolicyArns.member.N.arn`; `Tags=` is an
 * empty list).
 */
export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(...sources: URLSearchParams[]) {
    for (const source of sources) {
      for (const [name, value] of source) {
        // The first occurrence wins, as with AWS's own front end for duplicated names.
        if (!this.values.has(name)) {
          this.values.set(name, value);
        }
      }
    }
  }

  /** The value of one parameter, or undefined when it is absent. */
  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** Whether the request mentions a list at all (`Tags=` or any `Tags.member.N…`). */
  hasList(name: string): boolean {
    return [...this.values.keys()].some((key) => key === name || key.startsWith(`${name}.member.`));
  }

  /**
   * The members of a list in index order, each a map of its fields (`''`
   * for a list of plain strings). Indexes must be 1, 2, 3…; gaps are kept
   * out (AWS ignores members it cannot place).
   */
  members(name: string): Map<string, string>[] {
    const byIndex = new Map<number, Map<string, string>>();
    const prefix = `${name}.member.`;
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix)) {
        continue;
      }
      const rest = key.slice(prefix.length);
      const dot = rest.indexOf('.');
      const indexText = dot < 0 ? rest : rest.slice(0, dot);
      if (!/^[1-9]\d{0,3}$/.test(indexText)) {
        continue;
      }
      const index = Number(indexText);
      const fields = byIndex.get(index) ?? new Map<string, string>();
      fields.set(dot < 0 ? '' : rest.slice(dot + 1), value);
      byIndex.set(index, fields);
    }
    const result: Map<string, string>[] = [];
    for (let index = 1; byIndex.has(index); index += 1) {
      result.push(byIndex.get(index) ?? new Map<string, string>());
    }
    return result;
  }
}
