#!/usr/bin/env python3
"""Independent reference for Llama2cTokenizer: llama2.c run.c encode()/decode() re-implemented from its
description (no code copied), run on tok512.bin. Writes the ids the Java tests compare against.

Usage: python3 tools/llama2c_reference.py ../shared/data/models/stories260K/tok512.bin \
           data/src/test/resources/tokenizers/llama2c_reference.json
"""
import json
import struct
import sys

TEXTS = [
    "",
    "a",
    "Hello world",
    "Once upon a time, there was a little girl named Lily.",
    "  leading and trailing spaces  ",
    "Tim said, \"I can't go!\" (maybe?)",
    "line one\nline two\n\ttab",
    "naïve café 😀 日本",
    "the the the the the",
    "Lily and Ben played with the big red ball in the park.",
    # the first 40 tokens llama2.c generates greedily with stories260K (shared/data/models/stories260K/SOURCE.md)
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
    "One day, she saw a big, r",
]


def read_vocab(path):
    data = open(path, "rb").read()
    (max_len,) = struct.unpack_from("<i", data, 0)
    offset, pieces, scores = 4, [], []
    while offset < len(data):
        score, length = struct.unpack_from("<fi", data, offset)
        offset += 8
        pieces.append(data[offset:offset + length])
        scores.append(score)
        offset += length
    return pieces, scores


def encode(pieces, scores, text, bos):
    lookup = {}
    for i, p in enumerate(pieces):
        lookup.setdefault(p, i)
    tokens = [1] if bos else []
    if text:
        tokens.append(lookup[b" "])  # the dummy prefix
    for ch in text:  # one UTF-8 code point at a time, else its bytes + 3
        b = ch.encode("utf-8")
        tokens.extend([lookup[b]] if b in lookup else [x + 3 for x in b])
    while True:  # merge the best-scoring adjacent pair (first one on ties) until none merges
        best, best_i, best_id = -1e10, -1, -1
        for i in range(len(tokens) - 1):
            merged = lookup.get(pieces[tokens[i]] + pieces[tokens[i + 1]])
            if merged is not None and scores[merged] > best:
                best, best_i, best_id = scores[merged], i, merged
        if best_i < 0:
            return tokens
        tokens[best_i:best_i + 2] = [best_id]


def main():
    pieces, scores = read_vocab(sys.argv[1])
    cases = [{"text": t, "ids_with_bos": encode(pieces, scores, t, True)} for t in TEXTS]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({"tool": "tools/llama2c_reference.py", "tokenizer": "tok512.bin", "cases": cases}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
