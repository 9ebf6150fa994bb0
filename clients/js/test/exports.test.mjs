// The module's exports and agentstream.d.ts's declarations name the same things.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as client from '../agentstream.js';

test('agentstream.d.ts declares exactly what agentstream.js exports', () => {
  const dts = readFileSync(new URL('../agentstream.d.ts', import.meta.url), 'utf8');
  const declared = [...dts.matchAll(/^export (?:declare )?(?:function|class|const) (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(declared)].sort(), Object.keys(client).sort());
});
