"""Build a tiny Llama-style model directory offline, for tests and the local run.

Usage:
    python build_tiny_model.py OUT_DIR
    python build_tiny_model.py --write-vocab JSONL [JSONL ...]

OUT_DIR receives config.json, the tokenizer files and safetensors weights, loadable with
AutoModelForCausalLM.from_pretrained(OUT_DIR) and AutoTokenizer.from_pretrained(OUT_DIR). Nothing is
downloaded: the tokenizer is a word-level tokenizer over tiny-model/vocab.txt, and the weights are drawn
with a fixed seed, so two builds give identical files.

--write-vocab regenerates tiny-model/vocab.txt from instruction records ({instruction, input, output}
per line), for example examples/data/instructions/v1/*.jsonl. Words missing from the vocabulary become <unk>.
"""

import argparse
import json
from pathlib import Path

SPEC_DIR = Path(__file__).resolve().parent / "tiny-model"
VOCAB_FILE = SPEC_DIR / "vocab.txt"
CONFIG_FILE = SPEC_DIR / "config.json"

# Special tokens come first in vocab.txt, so their ids are fixed: <pad>=0, <unk>=1, <s>=2, </s>=3.
SPECIAL_TOKENS = ["<pad>", "<unk>", "<s>", "</s>"]
# The prompt template's own words, so that every prompt tokenizes without <unk>.
TEMPLATE_TEXT = "### Instruction: ### Input: ### Response:"
SEED = 1234


def build_backend_tokenizer(vocabulary):
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel

    tokenizer = Tokenizer(WordLevel(vocab={token: i for i, token in enumerate(vocabulary)}, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return tokenizer


def write_vocab(jsonl_paths):
    from tokenizers import normalizers, pre_tokenizers

    normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    pre_tokenizer = pre_tokenizers.Whitespace()
    texts = [TEMPLATE_TEXT]
    for path in jsonl_paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts.extend(str(record.get(field, "")) for field in ("instruction", "input", "output"))

    words = set()
    for text in texts:
        words.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))

    vocabulary = SPECIAL_TOKENS + sorted(words - set(SPECIAL_TOKENS))
    VOCAB_FILE.write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    print(f"wrote {len(vocabulary)} tokens to {VOCAB_FILE}")


def build(out_dir):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocabulary = VOCAB_FILE.read_text(encoding="utf-8").splitlines()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=build_backend_tokenizer(vocabulary),
        pad_token="<pad>",
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        model_max_length=2048,
    )

    config_values = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    config = LlamaConfig(
        **config_values,
        vocab_size=len(vocabulary),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )

    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config)

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    parameter_count = sum(parameter.numel() for parameter in model.parameters())
    print(f"built a tiny model with {parameter_count} parameters in {out_dir}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", type=Path, help="directory to write the model into")
    parser.add_argument("--write-vocab", nargs="+", metavar="JSONL", help="regenerate vocab.txt from these files")
    args = parser.parse_args()

    if args.write_vocab:
        write_vocab(args.write_vocab)
    elif args.out_dir:
        build(args.out_dir)
    else:
        parser.error("give OUT_DIR, or --write-vocab with instruction JSONL files")


if __name__ == "__main__":
    main()
