/**
 * The words and characters the generated SigLIP tokenizers know, shared by the SentencePiece
 * (Unigram) and Gemma (BPE) vocabularies: common English caption words, a few Spanish, German,
 * French and Russian ones (multilingual SigLIP), and single characters including some accented
 * and CJK ones. Everything is lowercase: both families lowercase before the vocabulary.
 */

export const CAPTION_WORDS: readonly string[] = (
  "a an the of in on at with and or is are this that it its my there here one two three some " +
  "photo photos picture image drawing painting sketch cartoon rendering art toy close up " +
  "low resolution high quality cropped blurry bright dark good bad large big small little " +
  "red green blue yellow black white brown orange pink gray " +
  "frog tree cat cats dog dogs bird fish horse cow sheep bear lion tiger elephant mouse " +
  "car truck bus bicycle airplane ship boat train house building bridge road street " +
  "flower plant grass forest mountain beach sea sky cloud water snow sun moon " +
  "person man woman child people face hand food apple banana pizza cake cup chair table " +
  "una foto de un gato perro niño ein eine von einer katze hund über une chat chien café " +
  "фото кошка собака"
).split(" ");

/** Sub-word pieces (SentencePiece style: word-initial ones carry "▁"). */
export const SUBWORD_PIECES: readonly string[] =
  "▁ph oto ▁un ing er ed es ly ▁re ▁in ▁con tion s ▁s ▁c ▁b ▁p ▁t ▁m ▁d ▁f ▁h ▁w at an en on".split(
    " ",
  );

/** Single characters in the vocabulary (others are unknown: <unk>, or bytes in Gemma). */
export const CHARACTERS: readonly string[] = [
  ..."abcdefghijklmnopqrstuvwxyz0123456789",
  ..."éèêàâäöüñçßáíóú",
  ..."фотокшасб",
  ..."猫犬写真",
];

/** ASCII punctuation kept by the Gemma vocabulary (SigLIP v1 removes it before the model). */
export const GEMMA_PUNCTUATION: readonly string[] = [..."., !?'-:;()\"/"].filter((c) => c !== " ");

/** Deterministic, tie-free fractional offsets (golden-ratio sequence in [0, 1)). */
export function offset(i: number): number {
  const x = (i + 1) * 0.6180339887498949;
  return x - Math.floor(x);
}
