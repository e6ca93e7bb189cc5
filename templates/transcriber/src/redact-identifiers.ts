/**
 * Removes obvious identifiers from a transcript before it leaves the enclave: names after "patient"
 * (and after "named", "name is", "mister", "missus", …), dates of birth, and phone numbers, spoken
 * ("five five five one two three four") or written ("555-123-4567"). It is a heuristic for what a
 * dictation usually contains, not a de-identification standard (HIPAA Safe Harbor lists eighteen
 * kinds of identifier): it errs towards removing too much, because a name that leaks cannot be
 * taken back.
 */

export const NAME = '[NAME]';
export const DATE_OF_BIRTH = '[DOB]';
export const PHONE = '[PHONE]';
export const DATE = '[DATE]';

// Speech recognisers write lower case, so a name cannot be told by its capital letter: after a
// trigger, every word is taken as part of the name until one of these ordinary words (at most
// three words are taken).
const NOT_A_NAME = new Set(
  `a an the is was has had have who which that this and or but with without of in on at to for from by
  as reports reported report presents presented presenting denies denied complains complained states
  stated says said came comes arrived was were will would should could may might can cannot did does
  do not no also still now today yesterday tomorrow tonight morning evening here there been being
  age aged year years old male female man woman boy girl child born date dob underwent received
  remains remained appears appeared looks feels felt continues continued needs needed takes took
  tolerated tolerates started starts stopped developed describes described noted notes history
  admitted discharged seen examined given be name`.split(/\s+/),
);
const NAME_TRIGGERS = new Set([
  'patient',
  'patients',
  "patient's",
  'mister',
  'mr',
  'missus',
  'mrs',
  'ms',
  'miss',
]);
const NAME_PHRASES = [['named'], ['called'], ['name', 'is'], ['name', 'was'], ['name', 'of']];

const MONTHS = new Set(
  'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec'.split(
    ' ',
  ),
);
const NUMBER_WORDS = new Set(
  `zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
  sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
  thousand first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
  thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth`.split(
    /\s+/,
  ),
);
const DATE_GLUE = new Set(['of', 'the', 'and', 'on', 'is', 'was']);
const DIGIT_WORDS = new Set([
  'zero',
  'oh',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
]);
// Written dates anywhere (01/02/1980, 1980-02-01, 1.2.80): redacted whatever precedes them
// (a visit date narrows down who a patient is, too).
const WRITTEN_DATE = /^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$/;

/** A token as compared: lower case, without surrounding punctuation. */
function bare(token: string): string {
  return token.toLowerCase().replace(/^[^\p{L}\p{N}']+|[^\p{L}\p{N}']+$/gu, '');
}

function isDateWord(word: string): boolean {
  return (
    MONTHS.has(word) ||
    NUMBER_WORDS.has(word) ||
    /^\d{1,4}(st|nd|rd|th)?$/.test(word) ||
    WRITTEN_DATE.test(word)
  );
}

/** How many digits a token contributes to a phone number (0 if it is not part of one). */
function phoneDigits(token: string): number {
  const word = bare(token);
  if (DIGIT_WORDS.has(word)) return 1;
  if (/^[+(]?\d[\d().\s-]*\)?$/.test(token.replace(/[,;:]$/, ''))) return token.replace(/\D/g, '').length;
  return 0;
}

/** Where the date of birth starts if a trigger ends at token `i`: "date of birth", "dob", "born (on)". */
function dobTriggerEnd(words: string[], i: number): number {
  if (words[i] === 'dob' || words[i] === 'd.o.b') return i + 1;
  if (words[i] === 'born') return i + 1;
  if (words[i] === 'date' && words[i + 1] === 'of' && words[i + 2] === 'birth') return i + 3;
  if (words[i] === 'birthday' || words[i] === 'birthdate') return i + 1;
  return -1;
}

/** Marks tokens to drop: returns, per token, the marker that replaces it, or undefined to keep it. */
export function redactTokens(tokens: readonly string[]): (string | undefined)[] {
  const words = tokens.map(bare);
  const marks: (string | undefined)[] = tokens.map(() => undefined);
  markNames(words, marks);
  markDates(words, marks);
  markPhones(tokens, marks);
  return marks;
}

function markNames(words: string[], marks: (string | undefined)[]): void {
  for (let i = 0; i < words.length; i++) {
    let from = -1;
    if (NAME_TRIGGERS.has(words[i] ?? '')) from = i + 1;
    for (const phrase of NAME_PHRASES)
      if (phrase.every((p, k) => words[i + k] === p)) from = Math.max(from, i + phrase.length);
    if (from < 0) continue;
    for (let j = from; j < Math.min(words.length, from + 3); j++) {
      const w = words[j] ?? '';
      if (w === '' || NOT_A_NAME.has(w) || isDateWord(w)) break;
      marks[j] = NAME;
    }
  }
}

function markDates(words: string[], marks: (string | undefined)[]): void {
  for (let i = 0; i < words.length; i++) {
    if (WRITTEN_DATE.test(words[i] ?? '') && marks[i] === undefined) marks[i] = DATE;
    let j = dobTriggerEnd(words, i);
    if (j < 0) continue;
    while (j < words.length && DATE_GLUE.has(words[j] ?? '')) j++;
    // At most ten words: "the twenty third of march nineteen eighty two" is nine.
    for (let end = Math.min(words.length, j + 10); j < end; j++) {
      const w = words[j] ?? '';
      if (!isDateWord(w) && !(DATE_GLUE.has(w) && isDateWord(words[j + 1] ?? ''))) break;
      marks[j] = DATE_OF_BIRTH;
    }
  }
}

function markPhones(tokens: readonly string[], marks: (string | undefined)[]): void {
  for (let i = 0; i < tokens.length; ) {
    let j = i;
    let digits = 0;
    // A token already marked (a written date) ends the run: "2024-01-05" is a date, not a number.
    while (j < tokens.length && marks[j] === undefined && phoneDigits(tokens[j] ?? '') > 0)
      digits += phoneDigits(tokens[j++] ?? '');
    // Seven digits is the shortest subscriber number; shorter runs are doses, ages, readings.
    if (digits >= 7) for (let k = i; k < j; k++) marks[k] = PHONE;
    i = j > i ? j : i + 1;
  }
}

/** Replaces marked tokens, one marker for a run of tokens of the same kind. */
export function applyMarks(tokens: readonly string[], marks: readonly (string | undefined)[]): string {
  const out: string[] = [];
  tokens.forEach((token, i) => {
    const mark = marks[i];
    if (mark === undefined) out.push(token);
    else if (marks[i - 1] !== mark) out.push(mark);
  });
  return out.join(' ');
}

/** Redacts one text (tokens split on white space). */
export function redactText(text: string): string {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  return applyMarks(tokens, redactTokens(tokens));
}
