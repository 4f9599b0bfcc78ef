"""MetaCLIP's substring matcher (metaclip/substr_matching.py, the pyahocorasick version), timed on one core.

Usage: python3 metaclip_match.py ENTRIES.json CAPTIONS.txt MATCHES_OUT.txt
Prints one JSON line: build seconds, match seconds, captions. Writes each caption's sorted entry ids, one line each.
"""
import json
import sys
import time

import ahocorasick


def spacing(text):
    puncts_to_wrap = [",", ".", ";", ":", "?", "!", "`"]
    chars_to_space = ["\t", "\n", "\r"]
    spaced_text = f" {text} "
    for punct_to_wrap in puncts_to_wrap:
        spaced_text = spaced_text.replace(punct_to_wrap, f" {punct_to_wrap} ")
    for char_to_space in chars_to_space:
        spaced_text = spaced_text.replace(char_to_space, " ")
    return spaced_text


def main():
    entries_path, captions_path, out_path = sys.argv[1:4]
    with open(entries_path, encoding="utf-8") as f:
        metadata = json.load(f)
    with open(captions_path, encoding="utf-8") as f:
        captions = f.read().split("\n")
    if captions and captions[-1] == "":
        captions.pop()

    start = time.perf_counter()
    automaton = ahocorasick.Automaton()
    for idx, key in enumerate(f" {entry} " for entry in metadata):
        automaton.add_word(key, (idx, key))
    automaton.make_automaton()
    build = time.perf_counter() - start

    results = []
    start = time.perf_counter()
    for text in captions:
        text = spacing(text)
        matched_entry_ids = set()
        for end_index, (entry_id, original_value) in automaton.iter(text):
            matched_entry_ids.add(entry_id)
        results.append(list(matched_entry_ids))
    elapsed = time.perf_counter() - start

    with open(out_path, "w", encoding="utf-8") as f:
        for ids in results:
            f.write(",".join(map(str, sorted(ids))))
            f.write("\n")
    print(json.dumps({"build_seconds": build, "match_seconds": elapsed, "captions": len(captions)}))


if __name__ == "__main__":
    main()
