/** A stretch of recognised speech, in seconds from the start of the audio. */
export interface Segment {
  start: number;
  end: number;
  text: string;
}

/** What an engine returns for one recording: the words, and where in the audio they were heard. */
export interface EngineTranscript {
  text: string;
  segments: Segment[];
}

/**
 * The one thing the handler needs from a speech recogniser. Audio arrives already decoded, mixed to
 * mono and resampled to 16 kHz (what pocketsphinx's and whisper.cpp's models both expect), in
 * pieces as the upload streams in, so an engine only recognises, and may start before the last
 * byte arrived. A vendor swaps engines by passing another implementation to
 * `new Transcriber(engine)`: nothing else changes (see the README, "Another engine").
 */
export interface SpeechEngine {
  /**
   * Recognises 16 kHz mono signed 16-bit PCM, given in pieces; `durationSeconds` is the length the
   * WAV header announces (for timeouts). Rejects with `EndpointError` (never a bare Error); when
   * `pcm16k` itself fails (a cut upload, bad audio), rejects with that error.
   */
  transcribe(pcm16k: AsyncIterable<Int16Array>, durationSeconds: number): Promise<EngineTranscript>;
}
