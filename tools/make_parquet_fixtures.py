"""Writes the Parquet test fixtures (data/src/test/resources/parquet/) with pyarrow, from the repository's samples.

Each NAME.parquet comes with NAME.jsonl, its JSON twin: the rows exactly as pyarrow's Table.to_pylist() gives them
(a column is a key, a null is null), so a test can check that Mutual reads both files to the same records and the
same Examples. The files use several compressions (snappy, zstd, gzip, lz4, none) and row-group sizes, and a few
are broken on purpose (a null in a required column, a column of the wrong type).

    python3 -m venv /tmp/parquet-venv && /tmp/parquet-venv/bin/pip install pyarrow
    /tmp/parquet-venv/bin/python tools/make_parquet_fixtures.py
"""
import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OUT = ROOT / "data" / "src" / "test" / "resources" / "parquet"


def jsonl(name, limit):
    rows = []
    with open(SAMPLES / name, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
            if len(rows) == limit:
                break
    return rows


def write(name, table, compression="snappy", row_group_size=None):
    pq.write_table(table, OUT / (name + ".parquet"), compression=compression, row_group_size=row_group_size)
    back = pq.read_table(OUT / (name + ".parquet"))
    with open(OUT / (name + ".jsonl"), "w", encoding="utf-8") as f:
        for row in back.to_pylist():
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    meta = pq.ParquetFile(OUT / (name + ".parquet")).metadata
    print(f"{name}.parquet: {meta.num_rows} rows, {meta.num_row_groups} row groups, {compression}, schema {back.schema.types}")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    pairs = jsonl("heldout_oasst1_val.jsonl", 40)  # id, instruction, response

    # Dolly as published (id, instruction, response, source, eval_overlap): zstd, 4 row groups.
    write("dolly", pa.Table.from_pylist(jsonl("seed_dolly_open_qa.jsonl", 30)), compression="zstd", row_group_size=8)

    # Alpaca / LLaMA-Factory: history is list<list<string>> (null on most rows, as the Hub's files have it).
    alpaca = []
    for i, p in enumerate(pairs[:20]):
        history = None
        if i < 3:
            earlier = pairs[20 + 2 * i: 22 + 2 * i]
            history = [[q["instruction"], q["response"]] for q in earlier]
        alpaca.append({"instruction": p["instruction"], "input": "" if i % 4 else "Answer briefly.", "output": p["response"], "history": history})
    write("alpaca", pa.Table.from_pylist(alpaca))

    # OpenAI messages: list<struct<role, content>>, some with a system turn and a second exchange.
    messages = []
    for i, p in enumerate(pairs[:20]):
        turns = [{"role": "user", "content": p["instruction"]}, {"role": "assistant", "content": p["response"]}]
        if i % 5 == 1:
            turns.insert(0, {"role": "system", "content": "You are a helpful assistant."})
        if i % 5 == 2:
            q = pairs[20 + i]
            turns += [{"role": "user", "content": q["instruction"]}, {"role": "assistant", "content": q["response"]}]
        messages.append({"id": p["id"], "messages": turns})
    write("messages", pa.Table.from_pylist(messages))

    # ShareGPT: list<struct<from, value>>, gzip.
    sharegpt = [{"id": p["id"], "conversations": [{"from": "human", "value": p["instruction"]}, {"from": "gpt", "value": p["response"]}]}
                for p in pairs[:15]]
    write("sharegpt", pa.Table.from_pylist(sharegpt), compression="gzip")

    # Unlabelled responses (id, response, gold_instruction, ...): lz4.
    write("responses", pa.Table.from_pylist(jsonl("unlabelled_oasst1.jsonl", 30)), compression="lz4")

    # Plain text, uncompressed.
    write("text", pa.Table.from_pylist([{"text": r["response"]} for r in jsonl("unlabelled_oasst1.jsonl", 20)]), compression="none")

    # OASST message trees, columns as in the Hub's oasst1 (rank float64 with nulls, a struct column).
    oasst = []
    for i, p in enumerate(pairs[:10]):
        root = f"m{i}"
        other = pairs[10 + i]
        oasst.append({"message_id": root, "parent_id": None, "role": "prompter", "text": p["instruction"], "rank": None, "lang": "en",
                      "emojis": {"name": ["+1"], "count": [2]}})
        oasst.append({"message_id": root + "a", "parent_id": root, "role": "assistant", "text": p["response"], "rank": 0.0, "lang": "en",
                      "emojis": None})
        oasst.append({"message_id": root + "b", "parent_id": root, "role": "assistant", "text": other["response"], "rank": 1.0, "lang": "en",
                      "emojis": {"name": [], "count": []}})
        if i % 3 == 0:
            q = pairs[20 + i]
            oasst.append({"message_id": root + "aq", "parent_id": root + "a", "role": "prompter", "text": q["instruction"], "rank": None,
                          "lang": "en", "emojis": None})
            oasst.append({"message_id": root + "aqa", "parent_id": root + "aq", "role": "assistant", "text": q["response"], "rank": 0.0,
                          "lang": "en", "emojis": None})
    write("oasst", pa.Table.from_pylist(oasst), row_group_size=7)

    # IFEval prompts for decontamination: kwargs is a list of structs whose fields are the union of the dicts' keys.
    write("ifeval", pa.Table.from_pylist(jsonl("eval_ifeval_prompts.jsonl", 10)))

    # Broken on purpose: row 3 has a null instruction; output is int64 in the second file.
    nulls = [{"instruction": p["instruction"], "input": None, "output": p["response"]} for p in pairs[:5]]
    nulls[2]["instruction"] = None
    write("bad_nulls", pa.Table.from_pylist(nulls))
    types = pa.table({"instruction": [p["instruction"] for p in pairs[:3]], "output": pa.array([1, 2, 3], pa.int64())})
    write("bad_types", types)


if __name__ == "__main__":
    main()
