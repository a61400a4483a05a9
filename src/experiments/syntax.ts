import { printParseErrorCode, visit } from 'jsonc-parser';
import type { ValidationError } from './types.js';
import { LineIndex } from './position.js';

/*
 * The policy for experiment files: they are strict JSON (RFC 8259), the format that every tool reads the same
 * way. So comments, trailing commas and keys given twice are rejected, each with its place and the rule,
 * and a duplicate key is never resolved by taking one of its values. Notes belong in "description".
 */

const STRICT_FIX = 'experiment files are strict JSON; put notes in "description"';

/** A jsonc-parser error code by name; its ParseErrorCode enum is a `const enum`, which isolated modules cannot read. */
type ErrorName = ReturnType<typeof printParseErrorCode>;

/** Message and fix for each jsonc-parser error in a strict JSON file. */
const SYNTAX_MESSAGES: Partial<Record<ErrorName, [message: string, fix: string]>> = {
  InvalidSymbol: ['unexpected character', 'use double quotes for strings and keys, and write only JSON values (no NaN, Infinity or undefined)'],
  InvalidNumberFormat: ['invalid number', 'write numbers as JSON does, e.g. 16, 0.05 or 2e-5'],
  PropertyNameExpected: ['expected a key in double quotes', 'write each key as "Name": value'],
  ValueExpected: ['expected a value', 'give a string, number, true, false, object or array here'],
  ColonExpected: ['expected ":" after the key', 'write each key as "Name": value'],
  CommaExpected: ['expected "," between two members', 'separate the members of an object or array with commas'],
  CloseBraceExpected: ['expected "}" to close the object', 'close every "{" with "}"'],
  CloseBracketExpected: ['expected "]" to close the array', 'close every "[" with "]"'],
  EndOfFileExpected: ['unexpected text after the end of the top-level object', 'the file holds one JSON object; remove what follows its closing "}"'],
  UnexpectedEndOfString: ['string is not closed', 'end the string with a double quote on the same line'],
  UnexpectedEndOfNumber: ['number ends too early', 'write numbers as JSON does, e.g. 16, 0.05 or 2e-5'],
  InvalidUnicode: ['invalid \\u escape', 'write \\u followed by four hexadecimal digits'],
  InvalidEscapeCharacter: ['invalid escape sequence', 'use only the JSON escapes \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'],
  InvalidCharacter: ['control character inside a string', 'escape it, for example a line break as \\n'],
};

export interface StrictJsonResult {
  errors: ValidationError[];
  /** The parsed value; present only when there are no errors. */
  value?: unknown;
}

/**
 * Checks that `text` is strict JSON and parses it. Returns every comment, trailing comma and duplicate key,
 * and the first other syntax error (the ones after it are usually its echoes).
 */
export function parseStrictJson(file: string, text: string): StrictJsonResult {
  const lines = new LineIndex(text);
  const errors: ValidationError[] = [];
  const reportedOffsets = new Set<number>();
  let stopped = false;

  const report = (offset: number, rule: string, message: string, fix: string): void => {
    if (reportedOffsets.has(offset)) {
      return;
    }
    reportedOffsets.add(offset);
    errors.push({ file, ...lines.positionAt(offset), rule, message, fix });
  };

  // One map of key → offset per open object, innermost last.
  const openObjects: Map<string, number>[] = [];

  visit(
    text,
    {
      onObjectBegin: () => {
        openObjects.push(new Map());
      },
      onObjectEnd: () => {
        openObjects.pop();
      },
      onObjectProperty: (property, offset) => {
        const keys = openObjects[openObjects.length - 1];
        if (keys === undefined || stopped) {
          return;
        }
        const firstOffset = keys.get(property);
        if (firstOffset === undefined) {
          keys.set(property, offset);
          return;
        }
        const first = lines.positionAt(firstOffset);
        report(
          offset,
          'duplicate-key',
          `duplicate key ${property}: "${property}" is already given at line ${first.line}, column ${first.column}`,
          `keep one "${property}" and delete the other; the file is strict JSON, so neither value is taken`,
        );
      },
      onError: (errorCode, offset, length) => {
        if (stopped) {
          return;
        }
        const code = printParseErrorCode(errorCode);
        if (code === 'InvalidCommentToken' || code === 'UnexpectedEndOfComment') {
          report(offset, 'comment', `comment "${excerpt(text, offset, length)}"; JSON has no comments`, `delete the comment; ${STRICT_FIX}`);
          return;
        }
        const commaOffset = trailingCommaBefore(text, offset, code);
        if (commaOffset !== undefined) {
          report(commaOffset, 'trailing-comma', `trailing comma before "${text[offset]}"`, `delete the comma after the last member; ${STRICT_FIX}`);
          return;
        }
        report(offset, 'syntax', ...describeSyntaxError(text, code, offset, length));
        stopped = true;
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );

  if (text.trim() === '') {
    return { errors: [{ file, line: 1, column: 1, rule: 'syntax', message: 'the file is empty', fix: 'write a JSON object with "parameters", e.g. {"parameters": {"LoraR": 16}}' }] };
  }
  if (errors.length > 0) {
    return { errors: errors.sort((a, b) => a.line - b.line || a.column - b.column) };
  }

  // jsonc-parser accepts a few things that strict JSON does not (for example a leading zero in some places),
  // so JSON.parse has the last word on what the value is.
  try {
    return { errors: [], value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { errors: [{ file, line: 1, column: 1, rule: 'syntax', message: `not valid JSON: ${reason}`, fix: STRICT_FIX }] };
  }
}

/** Returns the offset of the comma when a "key or value expected" error sits on a `}` or `]` that follows one. */
function trailingCommaBefore(text: string, offset: number, code: ErrorName): number | undefined {
  if (code !== 'PropertyNameExpected' && code !== 'ValueExpected') {
    return undefined;
  }
  if (text[offset] !== '}' && text[offset] !== ']') {
    return undefined;
  }
  let before = offset - 1;
  while (before >= 0 && /\s/.test(text[before] ?? '')) {
    before--;
  }
  return text[before] === ',' ? before : undefined;
}

function describeSyntaxError(text: string, code: ErrorName, offset: number, length: number): [string, string] {
  // A leading zero (`01`) ends the number after the `0`, so jsonc-parser then reports a missing comma.
  if (code === 'CommaExpected' && /(^|[^0-9.eE+-])-?0$/.test(text.slice(0, offset)) && /[0-9]/.test(text[offset] ?? '')) {
    return ['number with a leading zero', 'write the number without leading zeros, e.g. 1 instead of 01'];
  }

  const known = SYNTAX_MESSAGES[code];
  if (known === undefined) {
    return [`syntax error ${code}`, STRICT_FIX];
  }
  const found = length > 0 ? ` "${excerpt(text, offset, length)}"` : '';
  return [`${known[0]}${found}`, known[1]];
}

/** Cuts a token's text to 40 characters and to its first line, for messages. */
function excerpt(text: string, offset: number, length: number): string {
  const token = text.slice(offset, offset + Math.min(length, 40)).split(/\r?\n|\r/)[0] ?? '';
  return length > 40 ? `${token}…` : token;
}
