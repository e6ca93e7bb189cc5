// The hospital's side of the 10-minute note test, in a process of its own so that its memory is
// the client's alone: connect with the generated client, transcribe a short clip (the baseline),
// then stream the long recording from disk, and print the transcripts and the peak RSS of each phase.
import { createReadStream, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [clientModule, url, simRoot, shortWav, longWav] = process.argv.slice(2);
const { connect } = await import(pathToFileURL(clientModule).href);
// A 10-minute note takes minutes to transcribe: the same timeouts as the template's page.
const client = await connect(url, {
  allowSimulated: true,
  simulatorRoots: [simRoot],
  timeouts: { total: 30 * 60_000, headers: 5 * 60_000 },
});

let peak = 0;
const poll = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const phase = async (run) => {
  peak = process.memoryUsage().rss;
  const started = performance.now();
  const out = await run();
  return { out, ms: performance.now() - started, rssPeak: Math.max(peak, process.memoryUsage().rss) };
};

const short = await phase(() => client.transcribe({ audio: new Uint8Array(readFileSync(shortWav)) }));
// A file stream: the client seals chunks as the upload pulls them, never the whole recording.
const long = await phase(() =>
  client.transcribe({ audio: createReadStream(longWav, { highWaterMark: 1 << 16 }) }),
);
clearInterval(poll);
process.stdout.write(
  `${JSON.stringify({
    short: { text: short.out.text, rssPeak: short.rssPeak, ms: short.ms },
    long: {
      text: long.out.text,
      durationSeconds: long.out.durationSeconds,
      segments: long.out.segments.length,
      rssPeak: long.rssPeak,
      ms: long.ms,
    },
  })}\n`,
);
