// Every split point of a recorded stream: the body arrives as two reads split at byte offset i, for
// every i — including inside 2-, 3- and 4-byte UTF-8 characters and between the CR and LF of a CRLF.
// The replay server writes the two parts 2 ms apart; an observing fetch checks the client really saw
// the split (and the offset is replayed if the kernel merged the writes).
import test from 'node:test';
import assert from 'node:assert/strict';
import { streamAgent } from '../agentstream.js';
import { startServer, fixture, delay, observingFetch, referenceFrames } from '../test-support/replay-server.mjs';

const recorded = fixture('turn2.sse');

function expectedResult(buffer) {
  const all = referenceFrames(buffer);
  const metadata = all.find((f) => f.type === 'metadata');
  const chunks = all.filter((f) => f.type === 'chunk').map((f) => f.data);
  const complete = all.find((f) => f.type === 'complete');
  return {
    requestId: metadata.request_id,
    sessionId: metadata.session_id,
    agent: metadata.agent,
    text: chunks.filter((c) => typeof c === 'string').join(''),
    chunks,
    executionTimeMs: complete.execution_time_ms,
  };
}

/** Serves `body` split at each offset in `offsets` (8 at a time) and checks the client's result every time. */
async function checkSplits(t, body, offsets, expected) {
  const server = await startServer(async (req, res) => {
    const query = new URL(req.url, 'http://127.0.0.1').searchParams;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    res.write(body.subarray(0, Number(query.get('split'))));
    await delay(Number(query.get('gap')));
    res.end(body.subarray(Number(query.get('split'))));
  });
  t.after(() => server.close());

  // Longer gaps only when a loaded machine merged the two writes before the client read the first.
  const gaps = [2, 10, 40, 150, 400, 1000];
  async function one(offset) {
    for (const gap of gaps) {
      const observed = observingFetch();
      const chunkCalls = [];
      const result = await streamAgent({
        url: server.url,
        request: { prompt: 'replay' },
        // The offset and the gap travel in the query so that splits can run concurrently.
        fetch: (url, init) => observed.fetch(`${url}?split=${offset}&gap=${gap}`, init),
        onChunk: (data) => chunkCalls.push(data),
      });
      assert.deepEqual(result, expected, `split at byte ${offset}`);
      assert.deepEqual(chunkCalls, expected.chunks, `onChunk calls, split at byte ${offset}`);
      let sum = 0;
      for (const size of observed.reads[0]) {
        sum += size;
        if (sum === offset) return;
      }
    }
    assert.fail(`the client never received the body split at byte ${offset} (gaps up to ${gaps.at(-1)} ms)`);
  }

  const queue = [...offsets];
  const workers = Array.from({ length: 8 }, async () => {
    while (queue.length) await one(queue.shift());
  });
  await Promise.all(workers);
  assert.equal(server.streams().length >= offsets.length, true);
}

test('a recorded stream split into two reads at every byte offset gives the same result', async (t) => {
  const expected = expectedResult(recorded);
  // The recording holds multi-byte characters (the split test is pointless without them).
  const text = recorded.toString('utf8');
  assert.ok(/[\u{1F300}-\u{1FAFF}]/u.test(text) && text.includes('ü') && text.includes('…'), 'fixture has 2-, 3- and 4-byte characters');
  const offsets = Array.from({ length: recorded.length - 1 }, (_, i) => i + 1);
  const insideCharacters = offsets.filter((i) => (recorded[i] & 0xc0) === 0x80);
  assert.ok(insideCharacters.length >= 10, 'some offsets fall inside a UTF-8 character');
  await checkSplits(t, recorded, offsets, expected);
});

test('a CRLF-delimited stream with multi-line data, split between every CR and LF, gives the same result', async (t) => {
  // The recording's frames re-sent with CRLF line ends and each frame's JSON spread over several
  // `data:` lines: a CR that ends a read must not be taken for a line end followed by an empty line.
  const body = referenceFrames(recorded)
    .map((frame) => JSON.stringify(frame, null, 1).split('\n').map((line) => `data: ${line}\r\n`).join('') + '\r\n')
    .join('');
  const crlf = Buffer.from(body, 'utf8');
  const offsets = [];
  for (let i = 1; i < crlf.length; i += 1) if (crlf[i - 1] === 13) offsets.push(i);
  assert.ok(offsets.length > 50);
  await checkSplits(t, crlf, offsets, expectedResult(recorded));
});
