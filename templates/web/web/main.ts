// Runs in the visitor's browser: attests the enclave, checks it runs the release this page was built
// with (the generated client pins it), and seals the text to the attested key.
import { connect } from '../.blindbox/build/client/dist/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const config = (await (await fetch('./config.json')).json()) as { enclave: string; simulatorRoot?: string };
try {
  const client = await connect(config.enclave, {
    // only for the local simulator: a page in front of real hardware passes neither option
    ...(config.simulatorRoot ? { allowSimulated: true, simulatorRoots: [config.simulatorRoot] } : {}),
  });
  $('status').textContent =
    `verified ${client.session.report.platform} enclave ${client.session.report.measurement.slice(0, 16)}…`;
  $<HTMLTextAreaElement>('text').disabled = false;
  $<HTMLButtonElement>('send').disabled = false;
  $('send').addEventListener('click', async () => {
    const out = await client.count({ text: $<HTMLTextAreaElement>('text').value });
    $('result').textContent = `${out.words} words, ${out.characters} characters`;
  });
} catch (err) {
  $('status').textContent = `refused: ${(err as Error).message}`;
}
