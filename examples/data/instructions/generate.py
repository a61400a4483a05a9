"""Generate the small instruction dataset under v1/ with a fixed seed.

The records are short English tasks with one correct output each, so a tiny model can learn some of them in a
few steps. The training split also carries a few deliberately bad records (blank instructions, short outputs,
duplicates, one record longer than 512 tokens) so that the preprocess step's quality gate has work to do.

Usage: python generate.py [OUT_DIR]   (default: the v1/ folder next to this script)
"""

import json
import random
import sys
from pathlib import Path

SEED = 20240601
TRAIN_SIZE = 300
EVAL_SIZE = 60

NUMBER_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    "twenty",
]
CAPITALS = {
    "France": "Paris", "Germany": "Berlin", "Italy": "Rome", "Spain": "Madrid", "Japan": "Tokyo",
    "Canada": "Ottawa", "Egypt": "Cairo", "Kenya": "Nairobi", "Peru": "Lima", "Norway": "Oslo",
    "Poland": "Warsaw", "Greece": "Athens", "Chile": "Santiago", "India": "New Delhi", "Ireland": "Dublin",
}
ANTONYMS = {
    "hot": "cold", "big": "small", "fast": "slow", "happy": "sad", "early": "late", "light": "dark",
    "open": "closed", "full": "empty", "young": "old", "strong": "weak", "high": "low", "soft": "hard",
}
PLURALS = {
    "cat": "cats", "box": "boxes", "city": "cities", "mouse": "mice", "child": "children", "leaf": "leaves",
    "bus": "buses", "tooth": "teeth", "story": "stories", "knife": "knives", "person": "people", "dog": "dogs",
}
COLORS = ["red", "green", "blue", "yellow", "orange", "purple", "black", "white"]
ANIMALS = ["cat", "dog", "horse", "bird", "fish", "goat", "lion", "bear"]


def add_numbers(rng):
    a, b = rng.randint(0, 10), rng.randint(0, 10)
    return {"instruction": "Add the two numbers.", "input": f"{a} and {b}", "output": str(a + b)}


def number_to_word(rng):
    n = rng.randint(0, 20)
    return {"instruction": "Write the number in words.", "input": str(n), "output": NUMBER_WORDS[n]}


def capital(rng):
    country = rng.choice(sorted(CAPITALS))
    return {"instruction": f"What is the capital of {country}?", "input": "", "output": CAPITALS[country]}


def antonym(rng):
    word = rng.choice(sorted(ANTONYMS))
    return {"instruction": "Give the opposite of the word.", "input": word, "output": ANTONYMS[word]}


def plural(rng):
    word = rng.choice(sorted(PLURALS))
    return {"instruction": "Write the plural of the noun.", "input": word, "output": PLURALS[word]}


def sort_numbers(rng):
    numbers = rng.sample(range(1, 20), 4)
    return {
        "instruction": "Sort the numbers from smallest to largest.",
        "input": ", ".join(str(n) for n in numbers),
        "output": ", ".join(str(n) for n in sorted(numbers)),
    }


def describe(rng):
    color, animal = rng.choice(COLORS), rng.choice(ANIMALS)
    return {
        "instruction": "Write one sentence about the animal.",
        "input": f"a {color} {animal}",
        "output": f"The {color} {animal} is resting in the sun.",
    }


def uppercase(rng):
    word = rng.choice(COLORS + ANIMALS)
    return {"instruction": "Write the word in capital letters.", "input": word, "output": word.upper()}


TASKS = [add_numbers, number_to_word, capital, antonym, plural, sort_numbers, describe, uppercase]


def bad_records():
    """Records that the quality gate must drop, one or more per rule."""
    too_long_output = " ".join(["the cat is resting in the sun ."] * 90)
    return [
        {"instruction": "", "input": "", "output": "Nothing was asked."},
        {"instruction": "   \t", "input": "7 and 2", "output": "9"},
        {"instruction": "Give the opposite of the word.", "input": "hot", "output": ""},
        {"instruction": "Describe the story in detail.", "input": "a long day", "output": too_long_output},
        {"instruction": "Add the two numbers.", "input": "3 and 4", "output": "7"},
        {"instruction": "Add the two numbers.", "input": "3 and 4", "output": "7"},
        {"instruction": "Add the two numbers.", "input": "3 and 4", "output": "seven"},
    ]


def generate(rng, size, seen):
    """Draw `size` records whose (instruction, input) pair is not in `seen`, so that only the planted
    duplicates are duplicates and no eval record repeats a train record."""
    records = []
    while len(records) < size:
        record = rng.choice(TASKS)(rng)
        key = (record["instruction"], record["input"])
        if key in seen:
            continue
        seen.add(key)
        records.append(record)
    return records


def write_jsonl(path, records):
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def main():
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "v1"
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)

    seen = {("Add the two numbers.", "3 and 4")}
    train = generate(rng, TRAIN_SIZE, seen)
    for record in bad_records():
        train.insert(rng.randrange(len(train) + 1), record)
    evaluation = generate(rng, EVAL_SIZE, seen)

    write_jsonl(out_dir / "train.jsonl", train)
    write_jsonl(out_dir / "eval.jsonl", evaluation)
    print(f"wrote {len(train)} train and {len(evaluation)} eval records to {out_dir}")


if __name__ == "__main__":
    main()
