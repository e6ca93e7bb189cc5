/** Lower case, apostrophes kept, every other non-letter/digit a word break: how both sides are compared. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .split(' ')
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w !== '');
}

/** Levenshtein distance over words: the fewest substitutions, insertions and deletions. */
export function wordEditDistance(reference: readonly string[], hypothesis: readonly string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1);
    }
    previous = current;
  }
  return previous[hypothesis.length] ?? 0;
}

/**
 * Corpus word error rate: total edits over total reference words (not a mean of per-sentence
 * rates, which would weigh a three-word sentence like a thirty-word one). Can exceed 1 when the
 * hypothesis inserts many words.
 */
export function wordErrorRate(pairs: readonly { reference: string; hypothesis: string }[]): number {
  let edits = 0;
  let words = 0;
  for (const { reference, hypothesis } of pairs) {
    const ref = normalizeWords(reference);
    edits += wordEditDistance(ref, normalizeWords(hypothesis));
    words += ref.length;
  }
  if (words === 0) throw new RangeError('no reference words');
  return edits / words;
}
