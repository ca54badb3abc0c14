#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Builds the built-in lookup tables into the program: reads mappings/vocabularies.tsv (format in
# its header), checks it, and writes C source holding every id and label as C strings in one
# read-only blob, each table's terms sorted by id, and two orders of the term numbers (by label
# and by id, both ignoring ASCII case) computed here, so that the program looks terms up by
# bisection and parses nothing at startup (vocab.c). Usage: embed-vocabularies.py INPUT OUTPUT.c
import datetime
import re
import sys
import unicodedata

TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _]*$")  # as EMX2_TABLE_NAME_RULE, without spaces at the ends
ASCII_FOLD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def fail(src, line, message):
    sys.exit("%s:%d: %s" % (src, line, message))


def parse(src):
    exported, tables, current, last = None, [], None, None
    with open(src, "rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                fail(src, number, "the last line has no line end")
            line = raw[:-1]
            if line.startswith(b"#"):
                continue
            fields = line.split(b"\t")
            if len(fields) != 2 or b"\0" in line or b"\r" in line:
                fail(src, number, "a record is two fields separated by one tab")
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                fail(src, number, "not UTF-8")
            # vocab.c looks labels up in NFC, the form loaded tables are brought to.
            if unicodedata.normalize("NFC", text) != text:
                fail(src, number, "not in Unicode NFC")
            key, value = fields
            if key == b"@exported":
                if exported is not None:
                    fail(src, number, "@exported is given twice")
                try:
                    exported = datetime.datetime.strptime(value.decode(), "%Y-%m-%dT%H:%M:%SZ").replace(
                        tzinfo=datetime.timezone.utc)
                except ValueError:
                    fail(src, number, "@exported needs a time such as 2026-12-04T01:19:40Z")
            elif key == b"@table":
                name = value.decode()
                if not TABLE_NAME.match(name) or name.endswith(" "):
                    fail(src, number, "%r is no table name EMX2 accepts" % name)
                if any(t[0] == name for t in tables):
                    fail(src, number, "table %s is listed twice" % name)
                current, last = (name, []), None
                tables.append(current)
            elif key.startswith(b"@"):
                fail(src, number, "unknown directive %r" % key.decode(errors="replace"))
            elif current is None:
                fail(src, number, "a term before the first @table")
            elif not key:
                fail(src, number, "a term needs an id")
            else:
                if last is not None and key <= last:
                    fail(src, number, "ids must be sorted by their bytes and listed once (%r after %r)"
                         % (key.decode(), last.decode()))
                last = key
                current[1].append((key, value))
    if exported is None:
        fail(src, 1, "no @exported line")
    if not tables:
        fail(src, 1, "no table")
    return exported, tables


def c_string(b):
    # Octal escapes have three digits, so a following digit is never taken into them; '?' is
    # escaped against trigraphs.
    out = []
    for c in b:
        if 0x20 <= c < 0x7f and c not in b'"\\?':
            out.append(chr(c))
        else:
            out.append("\\%03o" % c)
    return '"' + "".join(out) + '"'


def main():
    src, dst = sys.argv[1:3]
    exported, tables = parse(src)
    # Every id first, then every label: a bisection reads ids only, so it touches a quarter of
    # the pages it would touch if each label followed its id.
    blob_size = 0
    strings, offsets = [], ([], [])
    for field in (0, 1):
        for name, entries in tables:
            for entry in entries:
                strings.append(c_string(entry[field] + b"\0"))
                offsets[field].append(blob_size)
                blob_size += len(entry[field]) + 1
    terms = [offset for pair in zip(*offsets) for offset in pair]  # id, label per term
    by_label, by_id_caseless, descriptors, first = [], [], [], 0
    for name, entries in tables:
        # Ties keep id order, so that of two terms with one label the smaller id answers.
        n = len(entries)
        by_label.extend(sorted(range(n), key=lambda i: (entries[i][1].translate(ASCII_FOLD), i)))
        by_id_caseless.extend(sorted(range(n), key=lambda i: (entries[i][0].translate(ASCII_FOLD), i)))
        descriptors.append('        { %d, %d },' % (first, n))
        first += n
    if blob_size >= 2 ** 32:
        fail(src, 1, "too large")
    with open(dst, "w") as out:
        out.write("/* Generated by embed-vocabularies.py from %s. Do not edit. */\n" % src.split("/")[-1])
        out.write('#include "vocab-builtin.h"\n\n')
        out.write("const uint64_t vocab_builtin_exported_usec = %dull;\n" % (int(exported.timestamp()) * 1000000))
        out.write('const char vocab_builtin_exported[] = "%s";\n\n' % exported.strftime("%Y-%m-%dT%H:%M:%SZ"))
        out.write("const char vocab_builtin_strings[] =\n")
        out.write("\n".join(strings) + ";\n\n")
        for symbol, values in (("terms", terms), ("by_label", by_label), ("by_id_caseless", by_id_caseless)):
            out.write("const uint32_t vocab_builtin_%s[] = {\n" % symbol)
            for i in range(0, len(values), 12):
                out.write("        " + " ".join("%d," % v for v in values[i:i + 12]) + "\n")
            out.write("};\n\n")
        out.write("const char *const vocab_builtin_table_names[] = {\n%s\n};\n"
                  % "\n".join("        %s," % c_string(name.encode()) for name, _ in tables))
        out.write("const VocabBuiltinTable vocab_builtin_tables[] = {\n%s\n};\n" % "\n".join(descriptors))
        out.write("const size_t vocab_builtin_n_tables = %d;\n" % len(descriptors))


if __name__ == "__main__":
    main()
