/**
 * docs/connectors/saml.md stays true to the connector: its checks table has
 * a row for every check the code can fail (and no other), each refusal the
 * committed fixtures provoke is described in its check's row with the
 * message the browser shows, and no example holds a key or certificate
 * inline (they are `${file:…}` references).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FedgateError } from '@fedgate/core';
import { createStore, type Store } from '@fedgate/store';
import { SAML_CHECKS } from '../../libs/connectors/src/saml/saml-refusal';
import { FIXTURE } from './fixtures/test-idp';
import { fixtureCases, fixtureConfig, fixtureConnector, fixtureResponse } from './saml-connector-helpers';

const DOC = readFileSync(join(__dirname, '../../docs/connectors/saml.md'), 'utf8');

/** The checks table: phase → the rest of its row. */
function checkRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of DOC.split('\n')) {
    const match = /^\| `saml\.([a-z-]+)`\s*\|(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      rows.set(match[1], match[2]);
    }
  }
  return rows;
}

/** "Every message, by check": phase → its list item's text, lines joined. */
function messageLists(): Map<string, string> {
  const start = DOC.indexOf('### Every message, by check');
  const section = DOC.slice(start, DOC.indexOf('\n#', start + 1));
  const lists = new Map<string, string>();
  for (const item of section.split(/\n- /).slice(1)) {
    const phase = /^`saml\.([a-z-]+)`/.exec(item)?.[1];
    if (phase !== undefined) {
      lists.set(phase, plain(item));
    }
  }
  return lists;
}

/** Markdown reduced to its words: no code marks, one kind of apostrophe, spaces collapsed. */
function plain(text: string): string {
  return text.replace(/`/g, '').replace(/’/g, "'").replace(/\s+/g, ' ');
}

describe('docs/connectors/saml.md', () => {
  let store: Store;

  beforeAll(async () => {
    store = await createStore({ type: 'memory' });
  });

  afterAll(async () => {
    await store.close();
  });

  it('lists every check the connector can fail, and only those, in the table and in the messages', () => {
    expect([...checkRows().keys()].sort()).toEqual([...SAML_CHECKS].sort());
    expect([...messageLists().keys()].sort()).toEqual([...SAML_CHECKS].sort());
  });

  it.each(
    fixtureCases()
      .filter((entry) => !entry.expect.accept)
      .map((entry) => [entry.name, entry] as const),
  )('gives the check and the exact message of the refusal of %s', async (_name, entry) => {
    const connector = fixtureConnector(store, fixtureConfig({ ...entry.config }, { ...entry.settings }));
    let refused: FedgateError | undefined;
    try {
      await connector.handlePost(
        {
          acsUrl: FIXTURE.acsUrl,
          samlResponse: fixtureResponse(entry.name),
          inResponseTo: entry.inResponseTo,
        },
        {},
      );
    } catch (error) {
      refused = error instanceof FedgateError ? error : undefined;
    }
    const phase = refused?.phase?.replace(/^saml\./, '') ?? 'no refusal';
    expect(checkRows().has(phase)).toBe(true);
    // Word for word, the Response's own signature checks written as the assertion's.
    let message = plain(refused?.message.replace(/^Sign-in failed: /, '') ?? '');
    if (phase === 'signature' || phase === 'algorithm') {
      message = message.replace(/\bresponse\b/g, 'assertion');
    }
    expect(messageLists().get(phase)).toContain(message);
  });

  it('shows keys and certificates only as ${file:…} references, never inline', () => {
    expect(DOC).not.toMatch(/-----BEGIN/);
    const keyLines = DOC.split('\n').filter((line) =>
      /^\s*(signingKey|signingCertificate|encryptionKey|encryptionCertificate|certificates|metadataSigningCertificates|previousEncryptionKeys):/.test(
        line,
      ),
    );
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) {
      expect(line).toContain('${file:');
    }
  });
});
