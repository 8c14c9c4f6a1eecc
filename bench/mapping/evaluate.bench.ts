/**
 * Evaluations per second of the mapping (issue 4): 1,000 assignment rules
 * against identities with 500 groups, reported as a ratio against a baseline
 * measured in the same run (10 rules, same identity), so the number means
 * something on any machine. Run with `npm run bench:mapping`.
 *
 * The rules are a realistic mix: mostly exact group lists, some groups.all,
 * attribute conditions (equals, in, regex), globs, and denies, over a
 * universe of `universe` group names. With 50,000 names a few percent of
 * the rules match the identity (the typical case); with 5,000 about a
 * quarter do, which stresses building entitlements (the heavy case).
 */
import { performance } from 'node:perf_hooks';
import { brokerConfigSchema, type FedgateConfig } from '@fedgate/broker-config';
import type { Identity } from '@fedgate/core';
import { evaluate } from '@fedgate/mapping';

const HASH = '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=';
const ACCOUNTS = 20;
const SETS = 10;

/** A deterministic pseudo-random sequence (mulberry32), so every run measures the same rules. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rule(index: number, next: () => number, universe: number): Record<string, unknown> {
  const group = (): string => `g${Math.floor(next() * universe)}`;
  const kind = next();
  const grant = {
    accounts: [String(100000000000 + Math.floor(next() * ACCOUNTS))],
    permissionSets: [`Set${Math.floor(next() * SETS)}`],
  };
  let match: Record<string, unknown>;
  if (kind < 0.65) {
    match = { groups: [group(), group(), group()] };
  } else if (kind < 0.75) {
    match = { groups: { all: [group(), group()] } };
  } else if (kind < 0.85) {
    match = { attributes: { department: [`d${Math.floor(next() * 40)}`, `d${Math.floor(next() * 40)}`] } };
  } else if (kind < 0.9) {
    match = { attributes: { costCenter: { regex: `CC-${Math.floor(next() * 10)}\\d+` } }, mfa: true };
  } else if (kind < 0.95) {
    match = { groups: [`${group()}*`] };
  } else {
    return { name: `r${index}`, effect: 'deny', match: { groups: [group()] }, ...grant };
  }
  return { name: `r${index}`, match, ...grant };
}

function configWith(rules: number, universe: number): FedgateConfig {
  const next = random(42);
  return brokerConfigSchema.parse({
    connectors: [{ id: 'corp', type: 'static', users: [{ username: 'x', passwordHash: HASH }] }],
    backends: [{ id: 'aws', type: 'sts' }],
    accounts: Array.from({ length: ACCOUNTS }, (_, i) => ({
      id: String(100000000000 + i),
      name: `a${i}`,
      backend: 'aws',
    })),
    permissionSets: Array.from({ length: SETS }, (_, i) => ({
      name: `Set${i}`,
      roleName: `role-${i}`,
      tags: { Department: '{{attributes.department}}', CostCenter: '{{attributes.costCenter}}' },
    })),
    assignments: Array.from({ length: rules }, (_, i) => rule(i, next, universe)),
  });
}

function identityWith(groups: number, universe: number): Identity {
  const next = random(7);
  return {
    connectorId: 'corp',
    subject: 'bench-user',
    username: 'bench.user',
    groups: Array.from({ length: groups }, () => `g${Math.floor(next() * universe)}`),
    attributes: { department: ['d3'], costCenter: ['CC-31337'] },
    mfa: { satisfied: true, methods: ['otp'] },
    authTime: new Date().toISOString(),
  };
}

interface Result {
  label: string;
  perSecond: number;
  entitlements: number;
}

/** Runs evaluate for about `seconds` after a warm-up; returns evaluations per second. */
function measure(label: string, config: FedgateConfig, who: Identity, seconds = 2): Result {
  const now = new Date();
  let entitlements = 0;
  for (let i = 0; i < 200; i += 1) {
    entitlements = evaluate(who, config, { now }).entitlements.length;
  }
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i += 1) {
      evaluate(who, config, { now });
    }
    count += 20;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { label, perSecond: count / elapsed, entitlements };
}

function main(): void {
  const typical = 50_000;
  const heavy = 5_000;
  const who = identityWith(500, typical);
  const baseline = measure('10 rules, 500 groups (baseline)', configWith(10, typical), who);
  const results = [
    baseline,
    measure('1,000 rules, 500 groups', configWith(1000, typical), who),
    measure('1,000 rules, 20 groups', configWith(1000, typical), identityWith(20, typical)),
    measure('1,000 rules, 500 groups, heavy', configWith(1000, heavy), identityWith(500, heavy)),
  ];
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(
    'case                                evaluations/s   µs/evaluation   entitlements   vs baseline',
  );
  for (const result of results) {
    console.log(
      [
        result.label.padEnd(34),
        Math.round(result.perSecond).toLocaleString('en-US').padStart(15),
        (1e6 / result.perSecond).toFixed(1).padStart(15),
        String(result.entitlements).padStart(14),
        `${(result.perSecond / baseline.perSecond).toFixed(3)}×`.padStart(13),
      ].join(' '),
    );
  }
}

main();
