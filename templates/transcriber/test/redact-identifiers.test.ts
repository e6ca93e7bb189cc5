import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactText } from '../src/redact-identifiers.ts';
import { redactSegments } from '../src/transcriber.ts';

test('a name after "patient" is removed, the clinical words after it are kept', () => {
  assert.equal(redactText('the patient john smith was admitted'), 'the patient [NAME] was admitted');
  assert.equal(
    redactText('Patient Maria, aged forty, reports pain'),
    'Patient [NAME] aged forty, reports pain',
  );
  assert.equal(redactText('the patient reports chest pain'), 'the patient reports chest pain');
  assert.equal(redactText('the patient is able to walk'), 'the patient is able to walk');
  assert.equal(redactText('seen with mister jones today'), 'seen with mister [NAME] today');
  assert.equal(
    redactText("the patient's name is anna lee and she denies fever"),
    "the patient's name is [NAME] and she denies fever",
  );
});

test('a name is at most three words: the rest of the dictation survives a missed stop word', () => {
  assert.equal(redactText('patient alpha beta gamma delta epsilon'), 'patient [NAME] delta epsilon');
});

test('dates of birth are removed, spoken or written; other numbers stay', () => {
  assert.equal(
    redactText('date of birth the twenty third of march nineteen eighty two blood pressure normal'),
    'date of birth the [DOB] blood pressure normal',
  );
  assert.equal(redactText('she was born on 12/03/1961 in leeds'), 'she was born on [DOB] in leeds');
  assert.equal(redactText('DOB: March 3, 1961.'), 'DOB: [DOB]');
  assert.equal(redactText('seen on 2024-01-05 for review'), 'seen on [DATE] for review');
  assert.equal(redactText('heart rate is seventy two'), 'heart rate is seventy two');
});

test('phone numbers are removed, spoken digit by digit or written; doses and readings stay', () => {
  assert.equal(redactText('call five five five one two three four tomorrow'), 'call [PHONE] tomorrow');
  assert.equal(redactText('her number is (555) 123-4567.'), 'her number is [PHONE]');
  assert.equal(redactText('phone +44 20 7946 0958 please'), 'phone [PHONE] please');
  assert.equal(
    redactText('give two tablets of five hundred milligrams'),
    'give two tablets of five hundred milligrams',
  );
  assert.equal(
    redactText('blood pressure one four zero over nine zero'),
    'blood pressure one four zero over nine zero',
  );
});

test('redaction runs across segment boundaries, and each segment keeps its times', () => {
  const out = redactSegments([
    { start: 0, end: 1.5, text: 'this is the patient' },
    { start: 2, end: 3, text: 'robert brown who denies fever' },
  ]);
  assert.deepEqual(out, [
    { start: 0, end: 1.5, text: 'this is the patient' },
    { start: 2, end: 3, text: '[NAME] who denies fever' },
  ]);
});
