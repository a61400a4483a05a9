"""The data quality gate of the Preprocess step.

Rules, applied to each record in this order, and the metric that counts the records each one drops:
  dropped_malformed           the line is not a JSON object with string `instruction` and `output`
                              (`input` may be missing, which counts as empty)
  dropped_empty_instruction   the instruction is empty or only whitespace
  dropped_short_output        the output, stripped of surrounding whitespace, has fewer than
                              MinOutputLength characters
  dropped_too_long            bos + prompt + output + eos is longer than MaxSeqLength tokens of the
                              model's tokenizer
  dropped_duplicate           the SHA-256 of (instruction, input) was already kept; the first kept record
                              wins, so a duplicate of a dropped record can still be kept.
A record counts under the first rule that drops it. The pass is one loop with a hash set, linear in the
number of records.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from .failure import StepFailure
from .records import encode_record, record_key

RULES = (
    "dropped_malformed",
    "dropped_empty_instruction",
    "dropped_short_output",
    "dropped_too_long",
    "dropped_duplicate",
)
# Dropped lines listed per rule in the report, so a person can find them in the input files.
EXAMPLES_PER_RULE = 5


@dataclass
class GateResult:
    split: str
    records_in: int = 0
    kept: list[dict] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    examples: dict[str, list[str]] = field(default_factory=lambda: {rule: [] for rule in RULES})

    @property
    def records_out(self) -> int:
        return len(self.kept)

    def drop(self, rule: str, location: str) -> None:
        self.dropped[rule] += 1
        if len(self.examples[rule]) < EXAMPLES_PER_RULE:
            self.examples[rule].append(location)

    def metrics(self) -> dict[str, float]:
        """Return the counts as MLflow metrics prefixed with the split, e.g. `train_dropped_duplicate`."""
        values = {f"{self.split}_records_in": self.records_in, f"{self.split}_records_out": self.records_out}
        values.update({f"{self.split}_{rule}": count for rule, count in self.dropped.items()})
        return {name: float(value) for name, value in values.items()}

    def report(self) -> dict:
        return {
            "records_in": self.records_in,
            "records_out": self.records_out,
            "dropped": dict(self.dropped),
            "dropped_examples": {rule: lines for rule, lines in self.examples.items() if lines},
        }


def read_jsonl_records(directory: Path):
    """Yield (location, parsed line or None) for every non-blank line of `<directory>/*.jsonl`, in name order."""
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield f"{path.name}:{number}", json.loads(line)
                except json.JSONDecodeError:
                    yield f"{path.name}:{number}", None


def as_record(value) -> dict | None:
    """Return the record with string fields, or None when it is malformed."""
    if not isinstance(value, dict):
        return None
    instruction, input_text, output = value.get("instruction"), value.get("input", ""), value.get("output")
    if input_text is None:
        input_text = ""
    if not all(isinstance(text, str) for text in (instruction, input_text, output)):
        return None
    return {"instruction": instruction, "input": input_text, "output": output}


def apply_gate(split: str, rows, tokenizer, max_seq_length: int, min_output_length: int) -> GateResult:
    """Apply the rules to (location, parsed record) rows and return what was kept and dropped."""
    result = GateResult(split=split)
    seen_keys: set[str] = set()

    for location, value in rows:
        result.records_in += 1
        record = as_record(value)
        if record is None:
            result.drop("dropped_malformed", location)
            continue
        if not record["instruction"].strip():
            result.drop("dropped_empty_instruction", location)
            continue
        if len(record["output"].strip()) < min_output_length:
            result.drop("dropped_short_output", location)
            continue

        token_count = len(encode_record(tokenizer, record["instruction"], record["input"], record["output"])["input_ids"])
        if token_count > max_seq_length:
            result.drop("dropped_too_long", location)
            continue

        key = record_key(record["instruction"], record["input"])
        if key in seen_keys:
            result.drop("dropped_duplicate", location)
            continue

        seen_keys.add(key)
        result.kept.append({**record, "record_key": key, "token_count": token_count})
    return result


def dropped_summary(result: GateResult) -> str:
    return ", ".join(f"{rule}={count}" for rule, count in result.dropped.items() if count)


def check_gate(result: GateResult, max_dropped_fraction: float, source: str) -> None:
    """Raise StepFailure when the split is empty or lost more than max_dropped_fraction of its records."""
    if result.records_in == 0:
        raise StepFailure(
            f"Preprocess failed: the {result.split} split has no records in {source} (*.jsonl). "
            "Check the data URI of the experiment"
        )

    if result.records_out == 0:
        raise StepFailure(
            f"Preprocess failed: no {result.split} records left after the quality gate, all "
            f"{result.records_in} dropped ({dropped_summary(result)}). Fix the data at {source}"
        )

    dropped = result.records_in - result.records_out
    share = dropped / result.records_in
    if share > max_dropped_fraction:
        top_rule = max(RULES, key=lambda rule: result.dropped[rule])
        raise StepFailure(
            f"Preprocess failed: the quality gate dropped {dropped} of {result.records_in} {result.split} "
            f"records ({share:.1%}), more than MaxDroppedFraction {max_dropped_fraction}; the rule "
            f"{top_rule} dropped {result.dropped[top_rule]} ({dropped_summary(result)}). Fix the data at "
            f"{source}, or raise MaxDroppedFraction in the experiment file"
        )
