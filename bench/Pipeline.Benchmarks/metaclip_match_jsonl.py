"""The peer of `pipeline curate match` end to end: MetaCLIP's matcher (pyahocorasick + spacing) over a JSON-lines pool.

Usage: python3 metaclip_match_jsonl.py ENTRIES.json CANDIDATES.jsonl MATCHES_OUT.jsonl
Reads each line's caption, matches it, writes one JSON line per matched candidate (key, url, caption, matched ids).
"""
import json
import sys

import ahocorasick

from metaclip_match import spacing


def main():
    entries_path, candidates_path, out_path = sys.argv[1:4]
    with open(entries_path, encoding="utf-8") as f:
        entries = json.load(f)
    automaton = ahocorasick.Automaton()
    for idx, entry in enumerate(entries):
        automaton.add_word(f" {entry} ", idx)
    automaton.make_automaton()
    with open(candidates_path, encoding="utf-8") as src, open(out_path, "w", encoding="utf-8") as out:
        for line in src:
            row = json.loads(line)
            ids = sorted({i for _, i in automaton.iter(spacing(row["caption"]))})
            if ids:
                out.write(json.dumps({"key": row["key"], "url": row["url"], "caption": row["caption"], "matched_entry_ids": ids}) + "\n")


if __name__ == "__main__":
    main()
