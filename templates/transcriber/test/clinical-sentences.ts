/**
 * Short clinical dictation sentences, numbers spelled out as a clinician says them. They were written
 * for this test, not taken from the language model's training text, and the engine is not tuned to
 * them (it runs with the stock `pocketsphinx-en-us` model and language model).
 */
export const CLINICAL_SENTENCES: readonly string[] = [
  'The patient reports chest pain radiating to the left arm since yesterday evening.',
  'Blood pressure is one hundred and forty over ninety.',
  'Continue the current dose of metformin twice a day.',
  'She denies fever, chills or night sweats.',
  'The wound is clean and dry with no sign of infection.',
  'Heart rate is regular at seventy two beats per minute.',
  'He has a history of type two diabetes and high blood pressure.',
  'Lungs are clear to auscultation on both sides.',
  'The patient was given two tablets of paracetamol for the pain.',
  'Please schedule a follow up visit in two weeks.',
  'There is mild swelling of the right ankle after the fall.',
  'Her oxygen saturation is ninety eight percent on room air.',
  'No known drug allergies.',
  'The abdomen is soft and not tender.',
  'Start a course of antibiotics for seven days.',
  'He complains of a headache and blurred vision this morning.',
  'The chest x ray shows no fracture.',
  'Blood sugar was high before breakfast.',
  'The patient should avoid heavy lifting for six weeks.',
  'She was admitted to the hospital with shortness of breath.',
  'The pain is worse at night and better with rest.',
  'Refer the patient to a heart specialist.',
  'His temperature is thirty eight degrees.',
  'The patient is able to walk without help.',
];
