/**
 * A metric's labelled children, made once per combination of label values
 * and kept: the hot path then skips building a labels object and prom-client's
 * lookup of the label names on every observation. Label values are names
 * (routes, modes, outcomes), so the combinations are few; past `limit` a
 * child is still made but not kept, so no input can grow the cache unbounded.
 */
export class LabelledChildren<Child> {
  private readonly children = new Map<string, Child>();

  constructor(
    private readonly make: (values: string[]) => Child,
    private readonly limit = 1024,
  ) {}

  /** The child for these label values, in the order of the metric's labelNames. */
  get(...values: string[]): Child {
    // NUL separates the values: no route, method, mode or outcome name contains it.
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.make(values);
      if (this.children.size < this.limit) {
        this.children.set(key, child);
      }
    }
    return child;
  }

  get size(): number {
    return this.children.size;
  }
}
