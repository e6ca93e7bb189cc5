// Calls the app through its generated client: `npm run call -- http://127.0.0.1:8080`.
// The client attests the server, checks that it runs exactly the release `npm run build` produced,
// and seals each call to the attested key. The local simulator is accepted only because this script
// says `allowSimulated` and pins the simulator root key of this machine: real clients leave both out.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const url = process.argv[2] ?? process.env.BLINDBOX_URL ?? 'http://127.0.0.1:8080';
const simulatorRoot =
  process.env.BLINDBOX_SIM_ROOT_KEY ??
  JSON.parse(
    execFileSync(
      fileURLToPath(new URL('../node_modules/.bin/blindbox', import.meta.url)),
      ['sim-root', 'show', '--json'],
      {
        encoding: 'utf8',
      },
    ),
  ).publicKey;

const { connect } = await import(new URL('../.blindbox/build/client/dist/index.js', import.meta.url).href);
const client = await connect(url, { allowSimulated: true, simulatorRoots: [simulatorRoot] });
console.log(
  `attested ${client.session.report.platform} enclave, measurement ${client.session.report.measurement}`,
);
console.log(JSON.stringify(await client.greet({ name: process.env.NAME ?? 'world' })));
