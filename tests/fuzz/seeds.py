#!/usr/bin/env python3
"""seeds.py -- writes the seed corpora (tests/fuzz/corpus/<layer>/) and the
edge-case pins (tests/fuzz/regress/<layer>/pin-*) of the fuzz harnesses.

The checked-in files are this script's output; run it again after changing it
(`python3 tests/fuzz/seeds.py`). Files it did not write (regress inputs saved
from crashes, named crash-*) are left alone. Tokens are signed here with the
harnesses' key "k" and expire in 2100, so the output never changes."""
import base64
import hashlib
import hmac
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = b"k"
EXP = 4102444800  # 2100-01-01
USER = "fuzz@example.com"
OTHER = "other@example.com"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def token(claims, alg="HS256", key=KEY):
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    signing = head + b"." + body
    digests = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    sig = b64(hmac.new(key, signing, digests[alg]).digest()) if alg in digests else b""
    return (signing + b"." + sig).decode()


GOOD = token({"sub": USER, "exp": EXP})
GOOD_OTHER = token({"sub": OTHER, "exp": EXP})
TOKENS = {
    "good": GOOD,
    "good-other-user": GOOD_OTHER,
    "expired": token({"sub": USER, "exp": 1}),
    "nbf-future": token({"sub": USER, "exp": EXP, "nbf": EXP - 1}),
    "nbf-past": token({"sub": USER, "exp": EXP, "nbf": 1}),
    "unknown-user": token({"sub": "nobody@example.com", "exp": EXP}),
    "no-sub": token({"exp": EXP}),
    "sub-int": token({"sub": 7, "exp": EXP}),
    "exp-string": token({"sub": USER, "exp": str(EXP)}),
    "exp-float": token({"sub": USER, "exp": EXP + 0.5}),
    "hs384": token({"sub": USER, "exp": EXP}, "HS384"),
    "hs512": token({"sub": USER, "exp": EXP}, "HS512"),
    "alg-none": token({"sub": USER, "exp": EXP}, "none"),
    "wrong-key": token({"sub": USER, "exp": EXP}, key=b"not-k"),
    "tampered": GOOD[:-2] + ("AA" if not GOOD.endswith("AA") else "BB"),
    "two-parts": GOOD.rsplit(".", 1)[0],
    "garbage": "a.b.c",
    "empty": "",
}

JSON = {
    "user": '{"username":"alice","email":"alice@example.com","password":"secret"}',
    "user-spaces": '{ "username" : "alice" ,\n "email" : "alice@example.com", "password": "s" }',
    "empty-object": "{}",
    "empty-array": "[]",
    "null": "null",
    "true": "true",
    "false": "false",
    "int": "42",
    "minus-zero": "-0",
    "float": "1.5",
    "exp": "1e5",
    "exp-upper": "-2.5E-3",
    "overflow": "1e400",
    "underflow": "-1e-400",
    "subnormal": "5e-324",
    "max-double": "1.7976931348623157e308",
    "tenth": "0.1",
    "long-int": "123456789012345678901234567890",
    "nan": "NaN",
    "infinity": "[Infinity,-Infinity]",
    "string": '"hello"',
    "escapes": '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u0000"',
    "surrogate-pair": '"\\ud83d\\ude00"',
    "lone-surrogate": '"\\ud800x"',
    "utf8": '"olá 🙂"',
    "nested": '[1,[2,[3,{"a":[null]}]]]',
    "duplicate-keys": '{"a":1,"b":2,"a":3}',
    "nul-key": '{"k\\u0000x":1,"k":2}',
    "trailing-comma-array": "[1,]",
    "trailing-comma-object": '{"a":1,}',
    "missing-colon": '{"a" 1}',
    "single-quotes": "{'a':1}",
    "unterminated-string": '"abc',
    "unterminated-array": "[1,2",
    "control-char": '"a\x01b"',
    "bad-escape": '"\\x41"',
    "bad-unicode-escape": '"\\u12G4"',
    "leading-zero": "012",
    "trailing-garbage": "{} x",
    "blank": "  ",
    "empty": "",
    "plus": "+1",
    "dot": "1.",
    "bom": "\ufeff{}",
}

FORMS = {
    "login": "grant_type=password&username=fuzz%40example.com&password=secret",
    "login-plain-at": "username=a@b.com&password=x",
    "login-encoded-at": "username=a%40b.com&password=x",
    "repeat": "a=1&a=2",
    "name-only": "a",
    "value-only": "=b",
    "empty-pairs": "&&a=&&",
    "lone-percent": "%",
    "short-escape": "a=%4",
    "bad-escape": "a=%zz",
    "utf8-escape": "name=%C3%A9",
    "bad-utf8-escape": "name=%ff%fe",
    "raw-bad-utf8": b"name=\xc3(&x=\xed\xa0\x80",
    "plus": "a+b=c+d",
    "query": "offset=10&limit=5",
    "limit-zero": "limit=0",
    "offset-negative": "offset=-1",
    "limit-plus": "limit=+5",
    "offset-spaces": "offset=+7+",
    "limit-decimal": "limit=1.000",
    "limit-huge": "limit=99999999999999999999",
    "limit-min": "offset=-9223372036854775808",
    "nul-value": "x=%00y",
    "nul-name": "name%00=v",
    "grant-other": "grant_type=client_credentials&username=a&password=b",
    "multipart-x": "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nfuzz@example.com\r\n"
                   "--x\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nsecret\r\n--x--\r\n",
    "multipart-typed": "multipart/form-data; boundary=AaB03x\n--AaB03x\r\n"
                       "Content-Disposition: form-data; name=\"username\"\r\n\r\na@b.com\r\n--AaB03x--",
    "multipart-quoted": "multipart/form-data; boundary=\"a b\"; charset=utf-8\npreamble\r\n--a b\r\n"
                        "Content-Disposition: form-data; filename=\"f\"; name=\"password\"\r\n"
                        "Content-Type: text/plain\r\n\r\nx\u00ffy\r\n--a b--",
    "multipart-no-name": "multipart/form-data; BOUNDARY=b\n--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--",
    "multipart-long-boundary": "multipart/form-data; boundary=" + "b" * 71 + "\n--" + "b" * 71 + "\r\n",
    "multipart-unclosed": "multipart/form-data; boundary=z\n--z\r\nContent-Disposition: form-data; name=\"a",
}

FORMS["multipart-quoted"] = FORMS["multipart-quoted"].encode().replace(b"\xc3\xbf", b"\xff")

EMAILS = {
    "plain": "alice@example.com",
    "display-name": "Alice <alice@example.com>",
    "quoted-display-name": '"Alice A." <alice@example.com>',
    "spaces": "  alice@example.com ",
    "upper": "ALICE@EXAMPLE.COM",
    "plus-tag": "alice+tag@sub.example.co.uk",
    "no-tld": "a@b",
    "short": "a@b.io",
    "no-at": "no-at-sign",
    "two-ats": "a@b@example.com",
    "empty-local": "@example.com",
    "empty-domain": "alice@",
    "double-dot": "a..b@example.com",
    "leading-dot": ".a@example.com",
    "quoted-local": '"quoted"@example.com',
    "ip-literal": "alice@[127.0.0.1]",
    "ipv6-literal": "alice@[IPv6:::1]",
    "unicode": "josé@exämple.com",
    "punycode": "user@xn--bcher-kva.example",
    "localhost": "user@localhost",
    "special-use": "user@example.local",
    "invalid-tld": "user@example.invalid",
    "local-64": "a" * 64 + "@example.com",
    "local-65": "a" * 65 + "@example.com",
    "long-label": "a@" + "b" * 64 + ".com",
    "underscore": "user@exam_ple.com",
    "hyphen-start": "user@-example.com",
    "hyphen-end": "user@example-.com",
    "numeric-tld": "user@example.123",
    "nul": b"u\x00@example.com",
    "bad-utf8": b"u\xff@example.com",
    "fullwidth": "user@ｅｘａｍｐｌｅ．ｃｏｍ",
    "ideographic-stop": "user@example。com",
    "zero-width": "a\u200b@example.com",
    "combining": "e\u0301@example.com",
    "greek-upper": "a@ΠΑΡΆΔΕΙΓΜΑ.δοκιμή",
    "empty": "",
}

PATHS = [
    "/", "GET /", "/health", "/exercicio-html", "/users", "/users/",
    "/users/?offset=0&limit=1", "/users/?offset=-1&limit=0", "/users/?limit=abc&offset=",
    "/users/?limit=1&limit=2", "/users/?offset=%31&limit=+3", "/users/1", "/users/2/",
    "/users/abc", "/users/-1", "/users/99999999999999999999", "/users/1/x", "/users/1.0",
    "/users/+1", "/users/ 1", "//", "/users//", "", "POST /users", "POST /users/",
    "DELETE /users/1", "PUT /users/1", "PATCH /users/1", "DELETE /", "POST /auth/token",
    "GET /auth/token", "POST /auth/refresh_token", "OPTIONS /health", "HEAD /users/",
    "GET /nope?x=1",
    "/todos", "/todos/", "/todos/?offset=1&limit=1", "/todos/?title=min&description=of+&state=draft",
    "/todos/?title=a&description=" + "d" * 21 + "&state=Draft&limit=0&offset=-1",
    "/todos/?title=%25_%5C&description=%00%00%00", "/todos/?title=%ff%fe%fd&state=done&state=todo",
    "/todos/?title=&description=&state=", "/todos/?limit=9223372036854775807&offset=9223372036854775807",
    "/todos/1", "/todos/1/x", "PATCH /todos/1", "DELETE /todos/1", "DELETE /todos/2", "DELETE /todos/abc",
    "PUT /todos/", "POST /todos", "DELETE /todos/-9223372036854775808",
]

AUTHS = {
    "bearer": "Bearer " + GOOD,
    "bearer-lower": "bearer " + GOOD,
    "bearer-upper": "BEARER " + GOOD,
    "bearer-other-user": "Bearer " + GOOD_OTHER,
    "bearer-expired": "Bearer " + TOKENS["expired"],
    "bearer-tampered": "Bearer " + TOKENS["tampered"],
    "bearer-alg-none": "Bearer " + TOKENS["alg-none"],
    "bearer-hs512": "Bearer " + TOKENS["hs512"],
    "bearer-unknown-user": "Bearer " + TOKENS["unknown-user"],
    "double-space": "Bearer  " + GOOD,
    "trailing": "Bearer " + GOOD + " extra",
    "scheme-only": "Bearer",
    "scheme-space": "Bearer ",
    "basic": "Basic dXNlcjpwYXNz",
    "token-scheme": "Token abc",
    "empty": "",
}

CLAIMS = {
    "good": {"sub": USER, "exp": EXP},
    "nbf-past": {"sub": USER, "exp": EXP, "nbf": 1},
    "nbf-future": {"sub": USER, "exp": EXP, "nbf": EXP - 1},
    "nbf-string": {"sub": USER, "exp": EXP, "nbf": "1"},
    "expired": {"sub": USER, "exp": 1},
    "exp-float": {"sub": USER, "exp": 4.1e9},
    "exp-string": {"sub": USER, "exp": "4102444800"},
    "exp-negative": {"sub": USER, "exp": -1},
    "sub-empty": {"sub": "", "exp": EXP},
    "sub-int": {"sub": 1, "exp": EXP},
    "sub-nul": {"sub": "a\u0000b", "exp": EXP},
    "sub-unicode": {"sub": "josé@exämple.com 🙂", "exp": EXP},
    "extra-claims": {"sub": USER, "exp": EXP, "iat": 1, "scope": ["a", {"b": None}]},
    "empty": {},
}


def fcgi_len(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def fcgi_params(pairs):
    out = b""
    for name, value in pairs:
        name, value = name.encode(), value.encode()
        out += fcgi_len(len(name)) + fcgi_len(len(value)) + name + value
    return out


def record(kind, rid, content=b"", padding=0, version=1):
    return struct.pack(">BBHHBB", version, kind, rid, len(content), padding, 0) + content + b"\0" * padding


def begin(rid=1, role=1, flags=0):
    return record(1, rid, struct.pack(">HB5x", role, flags))


NGINX_PARAMS = [
    ("REQUEST_METHOD", "POST"), ("DOCUMENT_URI", "/users/"), ("QUERY_STRING", ""),
    ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "68"),
    ("HTTP_AUTHORIZATION", "Bearer " + GOOD), ("REQUEST_ID", "0123456789abcdef"),
]
BODY = JSON["user"].encode()
TODO = '{"title":"Test todo","description":"Test todo description","state":"draft"}'


def request(rid=1, flags=0, params=None, body=BODY, padding=0):
    p = fcgi_params(params or NGINX_PARAMS)
    return (begin(rid, 1, flags) + record(4, rid, p, padding) + record(4, rid) +
            (record(5, rid, body) if body else b"") + record(5, rid))


def fcgi_seeds():
    p = fcgi_params(NGINX_PARAMS)
    return {
        "params": b"\x00" + p,
        "params-long-value": b"\x00" + fcgi_params([("X", "v" * 200), ("REQUEST_METHOD", "GET")]),
        "params-repeat": b"\x00" + fcgi_params([("A", "1"), ("A", "2"), ("", "")]),
        "params-truncated": b"\x00" + p[:-3],
        "params-huge-length": b"\x00\xff\xff\xff\xff\x01a",
        "params-empty": b"\x00",
        "request": b"\x01" + request(),
        "request-keep-conn-twice": b"\x01" + request(1, 1) + request(2, 1),
        "request-no-body": b"\x01" + request(body=b""),
        "request-padding": b"\x01" + request(padding=5),
        "request-split-params": b"\x01" + begin() + record(4, 1, p[:10]) + record(4, 1, p[10:]) +
        record(4, 1) + record(5, 1),
        "get-values": b"\x01" + record(9, 0, fcgi_params([("FCGI_MPXS_CONNS", "")])) + request(),
        "unknown-management": b"\x01" + record(42, 0, b"x") + request(),
        "abort": b"\x01" + begin() + record(2, 1),
        "multiplexed": b"\x01" + begin(1) + begin(2) + request(1)[16:],
        "authorizer-role": b"\x01" + begin(1, 2) + request(2),
        "other-id-ignored": b"\x01" + begin() + record(4, 9, b"junk") + record(4, 1) + record(5, 1),
        "bad-version": b"\x01" + record(1, 1, b"\0\1\0\0\0\0\0\0", version=2),
        "short-begin": b"\x01" + record(1, 1, b"\0\1"),
        "truncated": b"\x01" + request()[:-5],
        "eof": b"\x01",
    }


def body_seeds():
    route = {"post": 0, "put-own": 1, "put-other": 2, "login": 3, "todo": 4, "patch-own": 5,
             "patch-other": 6, "patch-bad-id": 7}
    ctype = {"none": 0, "json": 1, "json-charset": 2, "problem": 3, "text": 4, "form": 5,
             "form-odd": 6, "multipart": 7}

    def seed(r, c, body):
        if isinstance(body, str):
            body = body.encode()
        return bytes([0x40 | ctype[c] << 2 | route[r] % 4 | route[r] // 4 << 5]) + body

    user = JSON["user"]
    out = {
        "post-user": seed("post", "json", user),
        "post-user-no-type": seed("post", "none", user),
        "post-user-problem-json": seed("post", "problem", user),
        "post-user-charset": seed("post", "json-charset", user),
        "post-user-text": seed("post", "text", user),
        "post-taken-username": seed("post", "json", '{"username":"fuzz","email":"new@example.com","password":"x"}'),
        "post-taken-email": seed("post", "json", '{"username":"new","email":"FUZZ@EXAMPLE.COM","password":"x"}'),
        "post-taken-email-case": seed("post", "json", '{"username":"new","email":"fuzz@Example.com","password":"x"}'),
        "post-missing": seed("post", "json", '{"username":"x"}'),
        "post-types": seed("post", "json", '{"username":1,"email":null,"password":[1.5e3,{"a":NaN}]}'),
        "post-bad-email": seed("post", "json", '{"username":"x","email":"not-an-email","password":"p"}'),
        "post-display-email": seed("post", "json", '{"username":"x","email":"X <x@example.com>","password":"p"}'),
        "post-nul-username": seed("post", "json", '{"username":"a\\u0000b","email":"a@example.com","password":"p"}'),
        "post-surrogate": seed("post", "json", '{"username":"\\udc00","email":"\\ud800@example.com","password":""}'),
        "post-array": seed("post", "json", "[1,2]"),
        "post-string": seed("post", "json", '"x"'),
        "post-null": seed("post", "json", "null"),
        "post-empty": seed("post", "json", ""),
        "post-bad-json": seed("post", "json", '{"username": }'),
        "post-bad-utf8": seed("post", "json", b'{"username":"\xff"}'),
        "post-bom": seed("post", "json", "\ufeff" + user),
        "post-deep": seed("post", "json", "[" * 1001 + "]" * 1001),
        "post-big-int": seed("post", "json", '{"username":' + "9" * 4301 + "}"),
        "put-own": seed("put-own", "json", '{"username":"fuzz2","email":"fuzz2@example.com","password":"p"}'),
        "put-own-same": seed("put-own", "json", '{"username":"fuzz","email":"fuzz@example.com","password":"secret"}'),
        "put-own-taken": seed("put-own", "json", '{"username":"other","email":"z@example.com","password":"p"}'),
        "put-own-invalid": seed("put-own", "json", '{"email":"@"}'),
        "put-other": seed("put-other", "json", user),
        "login": seed("login", "form", FORMS["login"]),
        "login-odd-type": seed("login", "form-odd", FORMS["login"]),
        "login-wrong-password": seed("login", "form", "username=fuzz%40example.com&password=nope"),
        "login-unknown": seed("login", "form", "username=nobody%40example.com&password=x"),
        "login-grant": seed("login", "form", FORMS["grant-other"]),
        "login-empty": seed("login", "form", ""),
        "login-json": seed("login", "json", user),
        "login-multipart": seed("login", "multipart", FORMS["multipart-x"]),
        "login-multipart-unnamed": seed("login", "multipart", "--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--x--"),
        "todo": seed("todo", "json", TODO),
        "todo-no-type": seed("todo", "none", TODO),
        "todo-text": seed("todo", "text", TODO),
        "todo-every-state": seed("todo", "json", TODO.replace("draft", "trash")),
        "todo-empty-strings": seed("todo", "json", '{"title":"","description":"","state":"todo"}'),
        "todo-missing": seed("todo", "json", '{"title":"t"}'),
        "todo-types": seed("todo", "json", '{"title":1,"description":null,"state":["draft"]}'),
        "todo-state-case": seed("todo", "json", '{"title":"t","description":"d","state":"Draft"}'),
        "todo-state-number": seed("todo", "json", '{"title":"t","description":"d","state":1}'),
        "todo-long": seed("todo", "json", '{"title":"' + "t" * 257 + '","description":"' + "\\u00e9" * 4097 + '","state":"done"}'),
        "todo-nul": seed("todo", "json", '{"title":"a\\u0000b","description":"\\u0000","state":"doing"}'),
        "todo-surrogate": seed("todo", "json", '{"title":"\\udc00","description":"\\ud83d\\ude00","state":"todo"}'),
        "todo-ids": seed("todo", "json", '{"id":1,"user_id":1,"title":"t","description":"d","state":"draft"}'),
        "todo-array": seed("todo", "json", '["title"]'),
        "todo-null": seed("todo", "json", "null"),
        "patch-own": seed("patch-own", "json", '{"state":"done"}'),
        "patch-own-all": seed("patch-own", "json", TODO),
        "patch-own-empty": seed("patch-own", "json", "{}"),
        "patch-own-null": seed("patch-own", "json", '{"title":null,"description":null,"state":null}'),
        "patch-own-types": seed("patch-own", "json", '{"title":[],"description":{},"state":true}'),
        "patch-own-long": seed("patch-own", "json", '{"title":"' + "t" * 257 + '"}'),
        "patch-own-nul": seed("patch-own", "json", '{"description":"x\\u0000"}'),
        "patch-own-text": seed("patch-own", "text", '{"state":"done"}'),
        "patch-other": seed("patch-other", "json", '{"title":"mine now"}'),
        "patch-bad-id": seed("patch-bad-id", "json", '{"state":"x","title":null}'),
        "patch-bad-id-empty": seed("patch-bad-id", "none", ""),
    }
    return out


def write_dir(kind, layer, files, prefix=""):
    path = os.path.join(HERE, kind, layer)
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if kind == "corpus" or name.startswith("pin-"):
            os.remove(os.path.join(path, name))
    for name, data in files.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(path, prefix + name), "wb") as f:
            f.write(data)


def main():
    jwt_seeds = {"raw-" + k: "0" + v for k, v in TOKENS.items()}
    alg_bytes = {"hs256": "1", "hs384": "3", "hs512": "5", "none": "7"}
    for name, claims in CLAIMS.items():
        jwt_seeds["signed-" + name] = "1" + json.dumps(claims, ensure_ascii=False)
    for alg, b in alg_bytes.items():
        jwt_seeds["signed-good-" + alg] = b + json.dumps(CLAIMS["good"])
    jwt_seeds["signed-not-object"] = "1[1,2]"
    corpora = {
        "json": JSON,
        "form": FORMS,
        "email": EMAILS,
        "jwt": jwt_seeds,
        "auth": AUTHS,
        "path": {"%02d" % i: p for i, p in enumerate(PATHS)},
        "body": body_seeds(),
        "fcgi": fcgi_seeds(),
    }
    for layer, files in corpora.items():
        write_dir("corpus", layer, files)
    pins = {
        "json": {"depth-1000": "[" * 1000 + "]" * 1000, "depth-1001": "[" * 1001,
                 "digits-4300": "9" * 4300, "digits-4301": "-" + "9" * 4301,
                 "float-long": "0." + "1" * 800 + "e-5", "exp-huge": "1e99999999999999999999"},
        "form": {"many-pairs": "&".join("k%d=%d" % (i, i) for i in range(500)),
                 "escape-at-end": "a=%4", "escape-exact-end": "a=%41"},
        "email": {"length-2049": "a" * 2040 + "@ex.com!", "domain-254": "a@" + ".".join(["b" * 63] * 4)},
        "jwt": {"huge-segment": "0" + "A" * 3000 + ".." + "B" * 10},
        "auth": {"long-token": "Bearer " + "a" * 5000},
        "path": {"long-segment": "/users/" + "9" * 3000, "slashes": "/" * 2000},
        "body": {"many-problems": bytes([0x41]) + ("[" + ",".join(["{}"] * 300) + "]").encode()},
        "fcgi": {"params-4byte-short": b"\x00\x80\x00\x00", "zero-id-stdin": b"\x01" + record(5, 0, b"x") + request(),
                 "params-over-64k": b"\x01" + begin() + record(4, 1, fcgi_params([("X", "v" * 65400)])) +
                 record(4, 1, fcgi_params(NGINX_PARAMS)) + record(4, 1) + record(5, 1, BODY) + record(5, 1)},
    }
    for layer, files in pins.items():
        write_dir("regress", layer, files, "pin-")


if __name__ == "__main__":
    main()
