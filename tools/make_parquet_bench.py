"""Writes the Parquet benchmark inputs (BENCHMARKS.md "Parquet reading") into a folder outside the repository.

From ../shared/data/unlabelled/alpaca_cleaned_52k: OpenAI messages rows (user: instruction + input, assistant:
response), the 52k rows repeated 4 times, as messages.parquet (zstd, 10,000-row row groups) and its JSON twin
messages.jsonl; then messages_x4.parquet, the same table written 4 times.

    /tmp/parquet-venv/bin/python tools/make_parquet_bench.py /tmp/parquet-bench
"""
import gzip
import json
import pathlib
import sys

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "unlabelled" / "alpaca_cleaned_52k" / "alpaca_cleaned_52k.jsonl.gz"


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    pairs = []
    with gzip.open(SOURCE, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            q = r["instruction"] + ("\n\n" + r["input"] if r.get("input") else "")
            pairs.append((q, r["response"]))
    rows = []
    for rep in range(4):
        for i, (q, a) in enumerate(pairs):
            rows.append({"id": f"a{rep}-{i}", "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, out / "messages.parquet", compression="zstd", row_group_size=10000)
    with open(out / "messages.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with pq.ParquetWriter(out / "messages_x4.parquet", table.schema, compression="zstd") as w:
        for _ in range(4):
            w.write_table(table, row_group_size=10000)
    for name in ("messages.parquet", "messages_x4.parquet"):
        m = pq.ParquetFile(out / name).metadata
        print(name, m.num_rows, "rows", m.num_row_groups, "row groups")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
