// Records the microphone as 16-bit PCM WAV (what the enclave's engine reads), in the page: the
// samples never leave it until they are sealed. MediaRecorder would give Opus in WebM, which the
// enclave does not decode (one more parser of hostile input), hence the Web Audio capture.

export interface Recording {
  /** Stops and returns the WAV. */
  stop(): Promise<Uint8Array>;
}

export async function startRecording(): Promise<Recording> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  // ScriptProcessorNode is deprecated but everywhere; an AudioWorklet would need a module of its own.
  const processor = context.createScriptProcessor(4096, 1, 1);
  const pieces: Int16Array[] = [];
  processor.onaudioprocess = (event) => {
    const input = event.inputBuffer.getChannelData(0);
    const piece = new Int16Array(input.length);
    for (let i = 0; i < input.length; i++)
      piece[i] = Math.max(-32768, Math.min(32767, Math.round((input[i] ?? 0) * 32767)));
    pieces.push(piece);
  };
  source.connect(processor);
  processor.connect(context.destination);
  return {
    async stop() {
      processor.disconnect();
      source.disconnect();
      for (const track of stream.getTracks()) track.stop();
      await context.close();
      return encodeWav(pieces, context.sampleRate);
    },
  };
}

/** A mono 16-bit PCM RIFF/WAVE file of the pieces. */
export function encodeWav(pieces: readonly Int16Array[], sampleRate: number): Uint8Array {
  const samples = pieces.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(44 + samples * 2);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + samples * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, samples * 2, true);
  let at = 44;
  for (const piece of pieces)
    for (const sample of piece) {
      view.setInt16(at, sample, true);
      at += 2;
    }
  return out;
}
