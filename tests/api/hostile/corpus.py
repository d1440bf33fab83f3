#!/usr/bin/python3
"""corpus.py -- the random part of the hostile corpus, the same on every run
(random.seed(1)).

usage: corpus.py OUTDIR [COUNT]
Writes COUNT (default 200) request bodies for each of:
  OUTDIR/json/NNN   for the JSON routes: half random bytes, half mutated JSON
  OUTDIR/form/NNN   for POST /auth/token: half random bytes, half mutated forms
and OUTDIR/queries, COUNT query strings (one a line, URL-safe ASCII) for
GET /users/, and OUTDIR/todo_queries, COUNT more for GET /todos/ (its
filter's keys among the pieces; made last, so the others stay as they were). No JSON body carries a "password" key and every mutated form ends
in a grant_type that is not "password", so a random input never costs an
argon2 hash: the corpus stays fast and creates or changes no user."""
import os
import random
import sys

random.seed(1)
outdir = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 200

JSON_BASES = [
    b'{"username":"r","email":"r@example.com"}',
    b'{"username":"\\u00e9\\ud83d\\ude00","email":"x@y.z","extra":[1,2.5e3,-0,true,false,null]}',
    b'{"a":{"b":{"c":[[[{"d":"\\"\\\\\\/\\b\\f\\n\\r\\t"}]]]}}}',
    b'[1,-1,0.0,1e308,-1e-308,123456789012345678901234567890]',
    b'"just a string with \\u0000 and \\ud800"',
    b'{"username":null,"email":12,"x":{"y":[]}}',
    '{"username":"Olá Mundo","email":"olá@exämple.com"}'.encode(),
]
FORM_BASES = [
    b"username=alice%40example.com&scope=a+b&client_id=c",
    b"username=%C3%A9&client_secret=%00%ff%zz&scope=",
    b"grant_type=password&username=a&scope=x+y+z",
    b"a=1&a=2&a=3&=&&&b",
]
JSON_ALPHABET = b'{}[]":,\\0123456789eE+-.tfnul u\x00\xff\xc3\xa9'
FORM_ALPHABET = b"&=%+0123456789abcdefABCDEFzZ\x00\xff\xc3"


def random_bytes():
    return bytes(random.getrandbits(8) for _ in range(random.randint(0, 1500)))


def mutate(base, alphabet):
    b = bytearray(base)
    for _ in range(random.randint(1, 6)):
        op = random.randint(0, 4)
        at = random.randint(0, len(b))
        if op == 0 and b:  # delete a byte
            del b[min(at, len(b) - 1)]
        elif op == 1:  # insert a byte of the grammar
            b[at:at] = bytes([random.choice(alphabet)])
        elif op == 2:  # insert any byte
            b[at:at] = bytes([random.getrandbits(8)])
        elif op == 3 and b:  # repeat a slice
            end = random.randint(at, len(b))
            b[at:at] = b[at:end] * random.randint(1, 20)
        else:  # truncate
            b = b[:at]
    return bytes(b)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


os.makedirs(os.path.join(outdir, "json"), exist_ok=True)
os.makedirs(os.path.join(outdir, "form"), exist_ok=True)
for i in range(count):
    if i % 2:
        body = mutate(random.choice(JSON_BASES), JSON_ALPHABET)
    else:
        body = random_bytes()
    write(os.path.join(outdir, "json", "%03d" % i), body)
for i in range(count):
    if i % 2:
        body = mutate(random.choice(FORM_BASES), FORM_ALPHABET) + b"&grant_type=x"
    else:
        body = random_bytes()
    write(os.path.join(outdir, "form", "%03d" % i), body)

SAFE = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$'()*,;:@/?"
QUERY_PIECES = ["limit=", "offset=", "&", "=", "%", "%zz", "%ff", "%00", "%ED%A0%80", "-", "+",
                "1", "0", "99999999999999999999", "1e400", "limit=1&limit=2", "%2B", "%26"]
with open(os.path.join(outdir, "queries"), "w") as f:
    for _ in range(count):
        parts = []
        for _ in range(random.randint(1, 12)):
            if random.random() < 0.6:
                parts.append(random.choice(QUERY_PIECES))
            else:
                c = random.getrandbits(8)
                parts.append(chr(c) if c in SAFE else "%%%02X" % c)
        f.write("".join(parts) + "\n")

TODO_PIECES = QUERY_PIECES + ["title=", "description=", "state=", "draft", "done", "%25", "_", "%5C",
                              "%C3%A9", "abc", "state=trash&title=", "title=a&title="]
with open(os.path.join(outdir, "todo_queries"), "w") as f:
    for _ in range(count):
        parts = []
        for _ in range(random.randint(1, 12)):
            if random.random() < 0.6:
                parts.append(random.choice(TODO_PIECES))
            else:
                c = random.getrandbits(8)
                parts.append(chr(c) if c in SAFE else "%%%02X" % c)
        f.write("".join(parts) + "\n")
