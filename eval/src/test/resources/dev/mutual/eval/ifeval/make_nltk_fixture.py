"""Writes nltk_fixture.jsonl: NLTK's own Punkt and Treebank tokenizers on IFEval's GPT-4 responses.

The reference fixture for PunktSentenceTokenizerTest and TreebankWordTokenizerTest. Punkt runs with the same
hand-made parameters as the Java port (read from PunktSentenceTokenizer.java), since NLTK's trained English model
cannot be fetched here; this checks the algorithm, not the parameters.

Run from the repository root (NLTK 3.10.3 was used):
  python3 -m venv /tmp/venv-nltk && /tmp/venv-nltk/bin/pip install nltk
  /tmp/venv-nltk/bin/python eval/src/test/resources/dev/mutual/eval/ifeval/make_nltk_fixture.py
"""
import collections
import json
import re

import nltk
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

JAVA = "eval/src/main/java/dev/mutual/eval/ifeval/PunktSentenceTokenizer.java"
RESPONSES = "../shared/data/ifeval/reference_outputs/input_response_data_gpt4_20231107_145030.jsonl"
OUT = "eval/src/test/resources/dev/mutual/eval/ifeval/nltk_fixture.jsonl"
ORTHO_BEG_UC, ORTHO_MID_LC = 1 << 1, 1 << 5

EXTRA_TEXTS = [
    "Dr. Smith went to Washington. He arrived at 5 p.m. and left.",
    "1. First item\n2. Second item\n3. third item",
    "Wait... What happened? Nobody knows!\" she said. (Really.) Then J. S. Bach played.",
    "The U.S. economy grew. It was e.g. fine, etc. The end.",
    "Hello!? Are you there?! Yes.\n\nNew paragraph here. Another one",
    "He said \"Stop.\" Then he left. 'Quoted.' Next sentence -- with dashes. Done",
    "Version 2.0 is out. Prices rose 3.5%. Mr. and Mrs. Jones agree.",
    "IT'S A BEAUTIFUL DAY, ISN'T IT? I CAN'T WAIT. WE'RE GONNA HAVE FUN!",
    "   ",
    "",
]


def java_set(source, name):
    body = re.search(name + r" = Set\.of\((.*?)\);", source, re.S).group(1)
    return re.findall(r'"([^"]*)"', body)


def main():
    source = open(JAVA, encoding="utf-8").read()
    abbreviations = java_set(source, "COMMON_ENGLISH_ABBREVIATIONS")
    starters = java_set(source, "COMMON_SENTENCE_STARTERS")
    params = PunktParameters()
    params.abbrev_types = set(abbreviations)
    params.ortho_context = collections.defaultdict(int, {w: ORTHO_BEG_UC | ORTHO_MID_LC for w in starters})
    punkt = PunktSentenceTokenizer(params)
    treebank = NLTKWordTokenizer()

    responses = [json.loads(line)["response"] for line in open(RESPONSES, encoding="utf-8")]
    # A GPT-4 response is named by its line number in RESPONSES; a hand-made text is stored.
    texts = [({"response_line": i + 1}, r) for i, r in enumerate(responses)] + [({"text": t}, t) for t in EXTRA_TEXTS]
    with open(OUT, "w", encoding="utf-8") as out:
        out.write(json.dumps({"nltk": nltk.__version__, "abbreviations": sorted(abbreviations),
                              "sentence_starters": sorted(starters)}) + "\n")
        for source, text in texts:
            spans = list(punkt.span_tokenize(text))
            tokens = [t for s, e in spans for t in treebank.tokenize(text[s:e])]
            out.write(json.dumps({
                **source,
                "sentence_spans": spans,
                "word_tokens": len(tokens),
                "upper_tokens": [t for t in tokens if t.isupper()],
            }) + "\n")


if __name__ == "__main__":
    main()
