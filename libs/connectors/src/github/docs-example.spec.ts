import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { githubConnectorConfigSchema } from './github-connector.config';
import { githubEndpoints } from './github-endpoints';

// docs/connectors/github.md has examples people copy: keep them valid.
const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'connectors', 'github.md');

describe('the examples in docs/connectors/github.md', () => {
  it('are valid github connectors once their references are filled in', () => {
    const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map(
      (match) => match[1] ?? '',
    );
    expect(blocks).toHaveLength(2);
    const entries = blocks.map((block) => {
      const document = parse(block.replace(/\$\{(env|file):[^}]+\}/g, 'client-secret')) as unknown;
      return Array.isArray(document)
        ? (document[0] as unknown)
        : (document as { connectors: unknown[] }).connectors[0];
    });
    const parsed = entries.map((entry) => githubConnectorConfigSchema.parse(entry));
    expect(githubEndpoints(parsed[0]!).api).toBe('https://api.github.com');
    expect(githubEndpoints(parsed[1]!).api).toBe('https://github.corp.example/api/v3');
  });
});
