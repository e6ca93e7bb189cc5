// Runs in the visitor's browser. Nothing can be sent before the enclave is verified: the form stays
// disabled until verifyEnclave() returns a client, and a refusal leaves it disabled for good.
import type { TranscriberClient } from '../.blindbox/build/client/dist/index.js';
import { type Recording, startRecording } from './record-wav.js';
import { VerificationRefused, type VerificationView, verifyEnclave } from './verify-enclave.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The enclave's URL and, only for the local simulator, its root key (scripts/serve-web.mjs). */
const config = (await (await fetch('./config.json')).json()) as { enclave: string; simulatorRoot?: string };

function show(view: VerificationView, failed?: { name: string }): void {
  $('summary').replaceChildren(
    ...view.summary.flatMap(([label, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
  const rows = view.checks.map((check) => {
    const tr = document.createElement('tr');
    tr.dataset['ok'] = String(check.ok);
    if (check === failed) tr.id = 'failed-check';
    for (const [cls, text] of [
      ['mark', check.ok ? '✓' : '✗'],
      ['name', check.name],
      [
        'value',
        check.ok ? (check.found ?? '') : `expected ${check.expected ?? '?'}, found ${check.found ?? '?'}`,
      ],
    ] as const) {
      const td = document.createElement('td');
      td.className = cls;
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  $('checks')
    .querySelector('tbody')
    ?.replaceChildren(...rows);
}

function verdict(state: 'ok' | 'refused', text: string): void {
  $('verdict').dataset['state'] = state;
  $('verdict').textContent = text;
}

function enable(client: TranscriberClient): void {
  let audio: Uint8Array | undefined;
  let recording: Recording | undefined;
  const send = $<HTMLButtonElement>('send');
  const status = $('send-status');
  $<HTMLFieldSetElement>('send-form').disabled = false;
  $<HTMLInputElement>('audio').addEventListener('change', async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    audio = file ? new Uint8Array(await file.arrayBuffer()) : undefined;
    send.disabled = audio === undefined;
    status.textContent = file ? `${file.name}, ${Math.round(file.size / 1024)} KiB` : '';
  });
  $('record').addEventListener('click', async () => {
    if (recording) {
      audio = await recording.stop();
      recording = undefined;
      $('record').textContent = 'record';
      send.disabled = false;
      status.textContent = `recorded ${Math.round(audio.length / 1024)} KiB`;
    } else {
      recording = await startRecording();
      $('record').textContent = 'stop';
      status.textContent = 'recording…';
    }
  });
  send.addEventListener('click', async () => {
    if (!audio) return;
    send.disabled = true;
    status.textContent = 'sealed and sent; transcribing in the enclave…';
    try {
      const out = await client.transcribe({ audio, redact: $<HTMLInputElement>('redact').checked });
      $('transcript').textContent = out.text || '(no words heard)';
      $('segments').replaceChildren(
        ...out.segments.map((s) => {
          const li = document.createElement('li');
          li.textContent = `${s.start.toFixed(2)}–${s.end.toFixed(2)} s: ${s.text}`;
          return li;
        }),
      );
      status.textContent = `${out.durationSeconds.toFixed(1)} s of audio transcribed`;
      document.body.dataset['transcribed'] = 'true';
    } catch (err) {
      const e = err as Error & { code?: string };
      status.textContent = `failed: ${e.code ?? e.name}: ${e.message}`;
    } finally {
      send.disabled = false;
    }
  });
}

try {
  const { client, view } = await verifyEnclave(config.enclave, {
    // Only for the local simulator: a page in front of real hardware passes neither option.
    ...(config.simulatorRoot ? { allowSimulated: true, simulatorRoots: [config.simulatorRoot] } : {}),
    // A long dictation: the enclave answers when the engine has heard the whole note.
    timeouts: { total: 30 * 60_000, headers: 5 * 60_000 },
  });
  show(view);
  verdict(
    'ok',
    `verified: ${client.session.report.platform} enclave running ${client.session.release.app}@${client.session.release.version}`,
  );
  enable(client);
} catch (err) {
  if (err instanceof VerificationRefused) {
    show(err.view, err.failed);
    verdict(
      'refused',
      `refused, nothing sent: ${err.failed ? `check ${err.failed.name} failed` : err.code} (${err.message})`,
    );
  } else {
    verdict('refused', `refused, nothing sent: ${(err as Error).message}`);
  }
  document.body.dataset['refused'] = err instanceof VerificationRefused ? err.code : 'ERROR';
}
