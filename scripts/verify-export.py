#!/usr/bin/env python3
"""Checks the audit chain of a Troupe journal export, with nothing but Python's standard library.

    python3 scripts/verify-export.py --keys <data-dir>/audit-chain.keys export.ndjson

An export (GET /v1/audit/export) has one JSON object a line: {"persistenceId", "seq", "stamp",
"event", ...}. For each line this recomputes the link the README's "Audit trail" defines:

    hash = HMAC-SHA-256(key[stamp.keyId], prevHash || JCS({"event": event, "stamp": stamp without "hash"}))

with JCS the JSON Canonicalization Scheme of RFC 8785 (plus Troupe's one extension: an integer
beyond 2^53 keeps all its digits), and checks that the events of one entity follow each other
(no gap; each prevHash is the hash before it; key ids only move forward). An event linked without
a key (the rule before keyed links) passes only where the key file accepts it (`unkeyed-events:
accept-before`), and is not recomputed. Lines that are an agent's call recorded inside its step
("recordedIn") carry that step's stamp and cannot be checked alone; only agents' lines may be
such. Exit code 0 when every check holds, 1 naming the first entity and sequence number that does
not, 2 for bad input.
"""
import argparse
import base64
import decimal
import hashlib
import hmac
import json
import math
import sys

MAX_EXACT = 2 ** 53


def es6_number(value):
    """ECMAScript's Number.prototype.toString, which RFC 8785 prescribes for every number."""
    if isinstance(value, bool):
        raise TypeError("not a number")
    if isinstance(value, int) and abs(value) > MAX_EXACT:
        return str(value)  # Troupe's extension: the digits, not a rounded double
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError("JSON has no " + repr(number))
    if number == 0:
        return "0"
    if number < 0:
        return "-" + es6_number(-number)
    # repr gives the shortest digits that read back as the same double (Python 3.1+).
    sign, digit_tuple, exponent = decimal.Decimal(repr(number)).normalize().as_tuple()
    digits = "".join(str(d) for d in digit_tuple)
    k = len(digits)
    n = k + exponent  # the value is 0.digits x 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return mantissa + "e" + ("-" if e < 0 else "+") + str(abs(e))


def jcs_string(text):
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            out.append("\\u%04x" % code)  # control characters; a lone surrogate stays escaped
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def utf16_key(text):
    return text.encode("utf-16-be", "surrogatepass")


def jcs(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, (int, float)):
        return es6_number(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        members = sorted(value.items(), key=lambda member: utf16_key(member[0]))
        return "{" + ",".join(jcs_string(name) + ":" + jcs(item) for name, item in members) + "}"
    raise TypeError("not JSON: %r" % (value,))


def read_keys(path):
    """The keys in rotation order, and the instant before which unkeyed links are accepted (None: never)."""
    keys, order, unkeyed_before = {}, [], None
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if line.replace(" ", "").startswith("#unkeyed-events:"):
                rule = line.split(":", 1)[1].strip()
                if rule.startswith("accept-before "):
                    unkeyed_before = rule[len("accept-before "):].strip()
                elif rule != "refuse":
                    raise ValueError("unkeyed-events is 'refuse' or 'accept-before <instant>'")
                continue
            if not line or line.startswith("#"):
                continue
            key_id, key = line.split()
            keys[key_id] = base64.b64decode(key)
            order.append(key_id)
    return keys, order, unkeyed_before


def instant(text):
    """ISO-8601 instants as comparable (seconds, nanoseconds): Java writes up to nine fraction digits."""
    import datetime
    main, _, fraction = text.rstrip("Z").partition(".")
    seconds = datetime.datetime.fromisoformat(main).replace(tzinfo=datetime.timezone.utc).timestamp()
    return (int(seconds), int((fraction + "000000000")[:9]))


def link(key, stamp, event):
    unhashed = dict(stamp)
    del unhashed["hash"]
    content = jcs({"event": event, "stamp": unhashed}).encode("utf-8")
    return hmac.new(key, stamp["prevHash"].encode("ascii") + content, hashlib.sha256).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", required=True, help="the node's audit chain key file")
    parser.add_argument("export", help="an NDJSON export, or - for standard input")
    args = parser.parse_args()
    try:
        keys, order, unkeyed_before = read_keys(args.keys)
        source = sys.stdin if args.export == "-" else open(args.export, encoding="utf-8")
        lines = [json.loads(line) for line in source if line.strip()]
    except (OSError, ValueError) as error:
        print("cannot read the input: %s" % error, file=sys.stderr)
        return 2
    checked = 0
    last = {}  # persistenceId -> (seq, hash, key index)
    for line in lines:
        if "stamp" not in line or "persistenceId" not in line:
            continue
        pid, stamp = line["persistenceId"], line["stamp"]
        where = "%s event %s" % (pid, line.get("seq"))
        if "recordedIn" in line:
            # An agent's call inside its one-write step carries that step's stamp: it is checked
            # with the step by Troupe's own verify, and only agents' entries may be such lines.
            if pid.startswith("Task|"):
                print("BROKEN %s: a task's own event cannot be recorded inside another" % where)
                return 1
            continue
        if stamp.get("seq") != line.get("seq"):
            print("BROKEN %s: its stamp says event %s" % (where, stamp.get("seq")))
            return 1
        before = last.get(pid)
        # A task's events are exported whole (within the time range); an agent's only where a task used it.
        if before is not None and pid.startswith("Task|") and line["seq"] != before[0] + 1:
            print("BROKEN %s: events %d to %d are missing" % (where, before[0] + 1, line["seq"] - 1))
            return 1
        if before is not None and line["seq"] == before[0] + 1 and before[1] != stamp["prevHash"]:
            print("BROKEN %s: its prevHash is not the hash of event %s" % (where, before[0]))
            return 1
        key_id = stamp.get("keyId")
        if key_id is None:
            # The rule from before keyed links: only where the key file accepts it, never after a keyed link.
            if before is not None and before[2] >= 0:
                print("BROKEN %s: linked without a key after keyed links" % where)
                return 1
            if unkeyed_before is None or instant(stamp["at"]) >= instant(unkeyed_before):
                print("BROKEN %s: linked without a key, which the key file does not accept then" % where)
                return 1
            last[pid] = (line["seq"], stamp["hash"], -1)
            continue  # the old rule's canonical form is Troupe's own; its verify checks these
        if key_id not in keys:
            print("BROKEN %s: linked with key %s, which the key file lacks" % (where, key_id))
            return 1
        index = order.index(key_id)
        if before is not None and index < before[2]:
            print("BROKEN %s: linked with key %s, retired before a key an earlier event used" % (where, key_id))
            return 1
        if link(keys[key_id], stamp, line["event"]) != stamp["hash"]:
            print("BROKEN %s: its content does not match its hash" % where)
            return 1
        last[pid] = (line["seq"], stamp["hash"], index)
        checked += 1
    print("ok: %d events of %d entities verified" % (checked, len(last)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
