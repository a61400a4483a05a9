import type { ParameterValue, PipelineParameterType } from './types.js';

/**
 * Formats a parameter value as the string that StartPipelineExecution sends, and that the pull request
 * comment shows, so that both always agree.
 *
 * - Float: the string Python's `repr(float)` gives (Python 3.1 and later), e.g. `2e-05`, `1e-07`, `0.1`,
 *   `1e+21`, `3.0`, `-0.0`. Python's `float()` parses it back to the same double. The SageMaker Python SDK
 *   sends `str(value)` for a float (sagemaker 2.257, `workflow/pipeline.py`, `format_start_parameters`),
 *   which is this string. So an execution started by this action shows the same value as one started from
 *   the SDK, and as the MLflow parameters that the Python steps log with `str()`.
 * - Integer: base 10, no exponent and no fraction, e.g. `16`.
 * - Boolean: `true` or `false`.
 * - String: the value unchanged.
 *
 * A value whose JSON type does not fit the parameter type (checkAgainstPipeline rejects those before a start)
 * is formatted by its own JSON type, so that a report of an invalid file can still show it.
 */
export function formatParameterValue(value: ParameterValue, type: PipelineParameterType): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }

  if (type === 'Float' || !Number.isInteger(value)) {
    return formatPythonFloat(value);
  }
  return formatInteger(value);
}

/** Formats an integral number in base 10 without an exponent, also beyond 1e21 where String() switches to one. */
function formatInteger(value: number): string {
  return BigInt(value).toString(10);
}

/**
 * Formats a double the way Python's `repr` does, with the shortest digits that read back to the same double.
 * A decimal exponent from -4 to 15 gives positional notation, with `.0` after an integral value. Any other
 * exponent gives scientific notation, its exponent signed and at least two digits long.
 */
function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) {
    return 'nan';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'inf' : '-inf';
  }
  if (value === 0) {
    return Object.is(value, -0) ? '-0.0' : '0.0';
  }

  // toExponential() without an argument gives the shortest round-trip digits, e.g. "2e-5" or "1.2345e+2".
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const exponent = Number(exponentText);

  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }

  if (exponent < 0) {
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  const integerPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fractionPart = digits.slice(exponent + 1);
  return `${sign}${integerPart}.${fractionPart === '' ? '0' : fractionPart}`;
}
