// Records the raw SSE bodies the tests replay, from a running function (default: `make run`'s).
//   node clients/js/test-support/record.mjs [http://127.0.0.1:9000]
// Two turns of one session: the second answer quotes the first prompt, whose emoji and accents put
// 2-, 3- and 4-byte UTF-8 characters into a real recording.
import { writeFileSync } from 'node:fs';

const api = (process.argv[2] || 'http://127.0.0.1:9000').replace(/\/+$/, '');
const dir = new URL('../test/fixtures/', import.meta.url);

async function record(body) {
  const response = await fetch(`${api}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

const first = await record({ prompt: 'Flight EY123 ✈️ from Zürich delayed 2 hours due to weather 🌧️' });
const sessionId = /"session_id":"([^"]+)"/.exec(first.toString('utf8'))[1];
const second = await record({ prompt: 'Which passengers should we rebook first?', session_id: sessionId });
writeFileSync(new URL('turn1.sse', dir), first);
writeFileSync(new URL('turn2.sse', dir), second);
console.log(`recorded ${first.length} + ${second.length} bytes from ${api} (session ${sessionId})`);
