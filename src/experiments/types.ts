/** A pipeline parameter value as an experiment file gives it, before it is formatted for SageMaker. */
export type ParameterValue = string | number | boolean;

/** The parameter types that SageMaker Pipelines declares (PipelineDefinition "Parameters"[].Type). */
export type PipelineParameterType = 'String' | 'Integer' | 'Float' | 'Boolean';

/** A parameter that the pipeline definition declares. */
export interface PipelineParameter {
  name: string;
  type: PipelineParameterType;
  defaultValue?: string | number | boolean;
}

/** The metric that an experiment is compared on, and which way is better. */
export interface MetricSpec {
  name: string;
  goal: 'minimize' | 'maximize';
}

/**
 * How much worse than the baseline the metric may get before the experiment's check fails.
 * `relative` is a fraction of the baseline value (0.02 = 2 %); `absolute` is in the metric's own unit.
 * When both are given, a regression fails only when it exceeds both.
 */
export interface AllowedRegression {
  relative?: number;
  absolute?: number;
}

/** A parsed experiment file that passed the JSON Schema. */
export interface Experiment {
  /** Repository-relative path, for example `experiments/llama2-lora.json`. */
  path: string;
  description?: string;
  parameters: Record<string, ParameterValue>;
  metric: MetricSpec;
  allowedRegression?: AllowedRegression;
  /** SHA-256 (hex) of the canonical parsed form: key order and whitespace do not change it. */
  contentHash: string;
  /** 1-based line of each parameter's key, for annotations. */
  parameterLines: Record<string, number>;
  /** 1-based column of each parameter's key; absent on an experiment that was not parsed from a file. */
  parameterColumns?: Record<string, number>;
  /** 1-based line and column of the `parameters` key, for errors about the parameters as a whole. */
  parametersPosition?: { line: number; column: number };
}

/** One reason why an experiment file was rejected, with its place in the file. */
export interface ValidationError {
  /** Repository-relative path. */
  file: string;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** Short rule name, for example `duplicate-key`, `empty-string`, `unknown-parameter`. */
  rule: string;
  /** The problem, naming the value. */
  message: string;
  /** The fix. */
  fix: string;
}

export type ParseResult =
  | { ok: true; experiment: Experiment }
  | { ok: false; errors: ValidationError[] };
