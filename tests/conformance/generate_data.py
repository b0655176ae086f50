#!/usr/bin/env python3
"""Writes data.json: the conformance data set, pushed unchanged into the oracle Loki and into Sawmill.

Deterministic (own PRNG, fixed timestamps in a past hour), so the recorded answers never depend on when or where
the recorder ran. Every push is a Loki JSON push body; they are sent in this order, so out-of-order entries of a
stream arrive in later pushes than newer entries of the same stream.

Run: python3 tests/conformance/generate_data.py  (rewrites tests/conformance/data.json)
"""
import json
import os

# 2024-02-12T10:00:00Z. The data covers [T0, T0+60m); queries look at T0-10m .. T0+70m.
T0 = 1707732000
NS = 1_000_000_000


class Rng:
    """xorshift64*: stable across Python versions, unlike random.Random's derived helpers."""

    def __init__(self, seed):
        self.s = seed or 1

    def next(self):
        x = self.s
        x ^= (x >> 12) & 0xFFFFFFFFFFFFFFFF
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27) & 0xFFFFFFFFFFFFFFFF
        self.s = x & 0xFFFFFFFFFFFFFFFF
        return (self.s * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def int(self, lo, hi):
        """Uniform in [lo, hi]."""
        return lo + self.next() % (hi - lo + 1)

    def pick(self, seq):
        return seq[self.next() % len(seq)]

    def chance(self, p):
        return (self.next() % 10000) < p * 10000


def ts(sec, ns=0):
    return str((T0 + sec) * NS + ns)


def spread(rng, n, start=0, end=3600, jitter_ns=True):
    """n increasing timestamps (seconds offset, ns part) in [start, end)."""
    out = []
    step = (end - start) / n
    for i in range(n):
        s = int(start + i * step + rng.int(0, max(0, int(step) - 1)))
        out.append((s, rng.int(0, 999_999) * 1000 if jitter_ns else 0))
    out.sort()
    return out


streams = {}  # key: labels json -> list of values
order = []    # push batches: list of (labels, [values])


def add(labels, values):
    key = json.dumps(labels, sort_keys=True)
    streams.setdefault(key, []).extend(values)


# --- JSON application logs whose stream labels collide with keys in the lines (level, app, env) ---------------
def churn_api():
    rng = Rng(11)
    errors = ["ValueError", "KeyError", "TimeoutError", "ConnectionResetError"]
    paths = ["/predict", "/health", "/api/v1/customers", "/api/v1/customers/42", "/metrics"]
    users = [{"id": 42, "name": "ana", "roles": ["admin", "dev"]}, {"id": 7, "name": "bo", "roles": []},
             {"id": 1001, "name": "zoë", "roles": ["ops"]}, None]
    for env, level, n in [("prod", "ERROR", 70), ("prod", "INFO", 110), ("staging", "INFO", 60), ("staging", "WARN", 40)]:
        vals = []
        for (s, ns) in spread(rng, n):
            lvl = level.lower() if not rng.chance(0.15) else rng.pick(["debug", "info", "warn", "error"])
            obj = {"ts": f"2024-02-12T10:{s // 60:02d}:{s % 60:02d}Z", "level": lvl}
            if level == "ERROR":
                obj["message"] = "Prediction error"
                obj["error_type"] = rng.pick(errors)
            else:
                obj["message"] = rng.pick(["request served", "Prediction ok", "cache miss", "slow request"])
            obj["path"] = rng.pick(paths)
            obj["status"] = rng.pick([200, 200, 200, 201, 404, 500, 503])
            obj["latency_ms"] = rng.int(1, 2500) / (10 if rng.chance(0.5) else 1)
            obj["size"] = rng.pick(["512B", "1.5KB", "12KB", "3MB", "0B", "2KiB"])
            obj["took"] = rng.pick(["150ms", "2s", "1m30s", "350us", "1.5s", "45ms"])
            obj["client_ip"] = rng.pick(["10.1.2.3", "10.1.9.200", "192.168.0.17", "172.16.4.2", "2001:db8::7"])
            u = rng.pick(users)
            if u is not None:
                obj["user"] = u
            if rng.chance(0.3):
                obj["app"] = "churn-inner"  # collides with the stream label app
            if rng.chance(0.2):
                obj["env"] = "from-line"
            if rng.chance(0.1):
                obj["http.method"] = rng.pick(["GET", "POST"])
            if rng.chance(0.1):
                obj["x-request-id"] = f"req-{rng.int(1000, 9999)}"
            if rng.chance(0.08):
                obj["nested"] = {"a": {"b": {"c": rng.int(0, 9)}}, "list": [1, "two", {"three": 3}]}
            if rng.chance(0.05):
                obj["empty"] = ""
                obj["nothing"] = None
                obj["flag"] = True
            if rng.chance(0.04):
                obj["sci"] = 1.5e3
                obj["neg"] = -12
            vals.append([ts(s, ns), json.dumps(obj, ensure_ascii=rng.chance(0.5), separators=(",", ":"))])
        # a few lines that are not JSON at all, and JSON that is not an object
        for k, line in enumerate(["not json at all level=error", "[1,2,3]", '{"level":"error","message":"truncated',
                                  '"a string"', '{"": "empty key", "level": "info"}',
                                  '{"message":"esc \\"quoted\\" \\u00e9 \\n newline","level":"warn"}']):
            vals.append([ts(100 + 500 * k + len(env), 123), line])
        add({"app": "churn-api", "env": env, "level": level}, vals)


# --- logfmt ------------------------------------------------------------------------------------------------------
def checkout():
    rng = Rng(23)
    for cluster, n in [("eu-west", 100), ("us-east", 80)]:
        vals = []
        for (s, ns) in spread(rng, n):
            lvl = rng.pick(["info", "info", "info", "warn", "error", "debug"])
            method = rng.pick(["GET", "GET", "POST", "DELETE"])
            path = rng.pick(["/api/cart", "/api/cart/items", "/api/pay", "/health"])
            status = rng.pick([200, 200, 201, 204, 400, 404, 500])
            parts = [f"ts=2024-02-12T10:{s // 60:02d}:{s % 60:02d}Z", f"level={lvl}",
                     f'msg="{rng.pick(["cart loaded", "payment ok", "payment failed", "item removed"])}"',
                     f"method={method}", f"path={path}", f"status={status}",
                     f"duration={rng.pick(['12ms', '1.2s', '300us', '2m', '75ms', '0s'])}",
                     f"bytes={rng.pick(['1.2KB', '512B', '3MB', '40kB', '7KiB'])}",
                     f"user_id={rng.int(1, 60)}"]
            if rng.chance(0.2):
                parts.append("empty=")
            if rng.chance(0.15):
                parts.append("flag")
            if rng.chance(0.2):
                parts.append("app=checkout-svc")  # collides with the stream label
            if rng.chance(0.1):
                parts.append(f'cluster={rng.pick(["inner", "eu-west"])}')
            if rng.chance(0.1):
                parts.append('quoted="say \\"hi\\" twice"')
            if rng.chance(0.06):
                parts.append("http.path=/x trace-id=t-1")
            vals.append([ts(s, ns), " ".join(parts)])
        for k, line in enumerate(["=novalue level=info", 'level=error msg="unterminated',
                                  "just some words here", "level=info  status=200  spaced=  yes",
                                  "level=warn ünï=cødé msg=ok", 'level=info msg="tab\\there"']):
            vals.append([ts(200 + 450 * k + n, 77), line])
        add({"app": "checkout", "env": "prod", "cluster": cluster}, vals)


# --- plain text: nginx access log lines, for pattern / regexp ------------------------------------------------------
def nginx():
    rng = Rng(37)
    agents = ["curl/8.0.1", "Mozilla/5.0 (X11; Linux x86_64)", "Go-http-client/1.1", "-"]
    for host, n in [("web-1", 90), ("web-2", 70)]:
        vals = []
        for (s, ns) in spread(rng, n):
            ip = rng.pick(["192.168.1.10", "192.168.1.25", "192.168.1.77", "10.0.0.5", "172.16.0.9", "2001:db8::1",
                           "2001:db8::ff", "8.8.8.8"])
            user = rng.pick(["-", "alice", "bob"])
            method = rng.pick(["GET", "GET", "GET", "POST", "PUT", "HEAD"])
            path = rng.pick(["/", "/index.html", "/api/v1/users?id=5", "/api/v1/orders", "/static/app.js", "/login"])
            status = rng.pick([200, 200, 200, 301, 304, 404, 500, 502])
            size = rng.int(0, 90000)
            rt = rng.int(1, 3000) / 1000
            sec = s % 60
            line = (f'{ip} - {user} [12/Feb/2024:10:{s // 60:02d}:{sec:02d} +0000] "{method} {path} HTTP/1.1" '
                    f'{status} {size} "-" "{rng.pick(agents)}" {rt}')
            vals.append([ts(s, ns), line])
        for k, line in enumerate(["malformed line without the usual fields", "",
                                  '10.0.0.5 - - [12/Feb/2024:10:30:00 +0000] "GET / HTTP/1.1" 200 - "-" "-" -']):
            vals.append([ts(300 + 900 * k + n, 5), line])
        add({"app": "nginx", "env": "prod", "host": host}, vals)


# --- multi-line entries ----------------------------------------------------------------------------------------
def java():
    rng = Rng(41)
    vals = []
    for (s, ns) in spread(rng, 50):
        if rng.chance(0.4):
            line = ("Exception in thread \"main\" java.lang.NullPointerException: value was null\n"
                    f"\tat com.example.Service.handle(Service.java:{rng.int(10, 300)})\n"
                    "\tat com.example.Main.main(Main.java:5)\n"
                    f"Caused by: java.io.IOException: disk {rng.pick(['full', 'gone'])}")
        elif rng.chance(0.3):
            line = f"level=info msg=\"two\nlines\" code={rng.int(1, 9)}"
        else:
            line = f"2024-02-12 10:{s // 60:02d}:{s % 60:02d} INFO  [main] Started in {rng.int(100, 999)} ms"
        vals.append([ts(s, ns), line])
    vals.append([ts(1234, 1), "trailing newline\n"])
    vals.append([ts(2345, 2), "\r\nwindows\r\nline endings\r\n"])
    add({"app": "java-svc", "env": "prod"}, vals)


# --- unicode: lines, label values ------------------------------------------------------------------------------
def i18n():
    rng = Rng(53)
    lines_ja = ["ユーザー 42 がログインしました level=info", "エラー: 接続がタイムアウトしました level=error",
                '{"msg":"こんにちは","level":"info","値":7}', "データベース 😀 ok status=200"]
    lines_x = ["Ünïcödé lïnë level=warn", "مرحبا بالعالم level=info", "z\u0301\u0302 combining level=info",
               "zero\u200bwidth level=debug", "emoji 🔥🔥 count=3 level=error", "Straße=groß level=info",
               '{"msg":"ÉLAN","level":"WARN","size":"1KB"}', "ǅungla Σίσυφος İstanbul level=info"]
    for lang, pool, n in [("ja", lines_ja, 40), ("ü-ñ", lines_x, 50)]:
        vals = [[ts(s, ns), rng.pick(pool)] for (s, ns) in spread(rng, n)]
        add({"app": "i18n", "lang": lang}, vals)


# --- ANSI colours, for decolorize --------------------------------------------------------------------------------
def colors():
    rng = Rng(59)
    pool = ["\u001b[31mERROR\u001b[0m something failed level=error",
            "\u001b[1;32mINFO\u001b[0m all good level=info",
            "\u001b[33mWARN\u001b[39m disk at 91% level=warn",
            "plain line level=info",
            "\u001b[38;5;208morange\u001b[0m 256-colour level=debug",
            "level=\u001b[31merror\u001b[0m msg=\"coloured value\"",
            "\u001b[4munderlined\u001b[24m and \u001b[7minverse\u001b[27m level=info"]
    vals = [[ts(s, ns), rng.pick(pool)] for (s, ns) in spread(rng, 60)]
    add({"app": "colors", "env": "dev"}, vals)


# --- promtail-packed lines (for unpack) ---------------------------------------------------------------------------
def packed():
    rng = Rng(61)
    vals = []
    for (s, ns) in spread(rng, 60):
        kind = rng.int(0, 5)
        if kind <= 2:
            obj = {"_entry": rng.pick(['level=info msg="packed one" status=200', "plain packed text",
                                       '{"inner":"json","level":"warn"}', "level=error msg=boom status=500"]),
                   "pod": f"pod-{rng.int(1, 3)}", "container": rng.pick(["app", "sidecar"])}
            if rng.chance(0.3):
                obj["job"] = "from-packed"  # collides with the stream label job
            line = json.dumps(obj, separators=(",", ":"))
        elif kind == 3:
            line = json.dumps({"pod": "pod-9", "msg": "object without _entry", "level": "info"})
        elif kind == 4:
            line = json.dumps({"_entry": 42, "pod": "pod-num"})
        else:
            line = "not packed at all level=info"
        vals.append([ts(s, ns), line])
    add({"app": "packed", "job": "packer"}, vals)


# --- duplicate timestamps, exact duplicates, empty lines --------------------------------------------------------
def dupkeys():
    # A key repeated in one line, and keys two parsers both extract: Loki 3 keeps the first value, Loki 2.9 the last
    # (docs/compat.md). Kept to this one stream.
    vals = [[ts(60 * m + 5), line] for m, line in enumerate([
        "level=info status=200 status=500 msg=first",
        '{"level":"warn","status":200,"status":404}',
        '{"msg":"level=debug code=7","level":"error","code":"1"}',
        "level=error level=info code=3",
    ])]
    add({"app": "dupkeys", "env": "test"}, vals)


def dupes_and_empty():
    vals = []
    for m in range(0, 60, 3):
        sec = m * 60 + 7
        vals.append([ts(sec), f"dup a minute={m} level=info"])
        vals.append([ts(sec), f"dup b minute={m} level=warn"])
        if m % 9 == 0:
            vals.append([ts(sec), f"dup a minute={m} level=info"])  # exact duplicate of the first
    add({"app": "dupes", "env": "test"}, vals)
    vals = []
    for m in range(1, 60, 4):
        vals.append([ts(m * 60 + 11), ""])
        vals.append([ts(m * 60 + 12), "   "])
        vals.append([ts(m * 60 + 13), f"nonempty {m}"])
    add({"app": "empty", "env": "test"}, vals)


# --- counters and numbers for unwrap / rate_counter --------------------------------------------------------------
def counters():
    rng = Rng(71)
    for inst, job, n, reset_at in [("i-1", "svc", 120, 70), ("i-2", "svc", 120, None), ("i-3", "batch", 60, 30)]:
        vals = []
        total = rng.int(0, 100)
        for i, (s, ns) in enumerate(spread(rng, n)):
            if reset_at is not None and i == reset_at:
                total = rng.int(0, 5)
            total += rng.int(0, 40)
            lat = rng.pick(["250ms", "1.5s", "80ms", "2m", "900us", "3h", "bogus"])
            size = rng.pick(["4KB", "1.5MB", "120B", "10KiB", "7kB", "nope"])
            cpu = rng.pick(["0.75", "1.25", "0", "-0.5", "3e2", "abc", "NaN", "+Inf", "0x1p-2", "1_000"])
            line = (f"requests_total={total} latency={lat} bytes_sent={size} cpu={cpu} mem={rng.int(100, 4000)} "
                    f"level={rng.pick(['info', 'info', 'warn', 'error'])} code={rng.pick([200, 200, 404, 500])}")
            if rng.chance(0.1):
                line += " requests_total_dup=1"
            vals.append([ts(s, ns), line])
        add({"app": "counter", "instance": inst, "job": job}, vals)


# --- structured metadata ----------------------------------------------------------------------------------------
def traced():
    rng = Rng(79)
    vals = []
    for (s, ns) in spread(rng, 70):
        tid = f"{rng.next() & 0xFFFFFFFF:08x}"
        md = {"trace_id": tid}
        if rng.chance(0.5):
            md["pod"] = f"pod-{rng.int(1, 4)}"
        if rng.chance(0.3):
            md["user"] = rng.pick(["ana", "bo"])
        obj = {"level": rng.pick(["info", "error", "warn"]), "msg": rng.pick(["span start", "span end", "db call"]),
               "duration": rng.pick(["15ms", "2.5s", "800us"]), "status": rng.pick([200, 500, 404])}
        vals.append([ts(s, ns), json.dumps(obj, separators=(",", ":")), md])
    add({"app": "traced", "env": "prod"}, vals)
    vals = []
    for (s, ns) in spread(rng, 30):
        vals.append([ts(s, ns), f"level=info msg=\"logfmt with metadata\" zone={rng.pick(['a', 'b'])}",
                     {"pod": f"md-pod-{rng.int(1, 2)}", "region": "md-region"}])
    add({"app": "traced", "env": "staging"}, vals)
    # Keys in the line that the entry's structured metadata also has: Loki 3 extracts them as <key>_extracted,
    # Loki 2.9 let them replace the metadata (docs/compat.md). Kept to this one stream.
    vals = []
    for k, (s, ns) in enumerate(spread(rng, 8)):
        if k % 2 == 0:
            line = json.dumps({"trace_id": f"line-{k}", "pod": "line-pod", "msg": "json collides with metadata"})
        else:
            line = f"trace_id=line-{k} pod=line-pod msg=\"logfmt collides with metadata\""
        vals.append([ts(s, ns), line, {"trace_id": f"md-{k}", "pod": f"md-pod-{k % 3}"}])
    add({"app": "smcollide", "env": "test"}, vals)


# --- firewall lines with IPs, for ip() ---------------------------------------------------------------------------
def firewall():
    rng = Rng(83)
    vals = []
    for (s, ns) in spread(rng, 80):
        src = rng.pick(["192.168.1.20", "192.168.1.45", "192.168.1.200", "10.0.0.7", "10.10.10.10", "172.16.5.4",
                        "2001:db8::42", "2001:db8:1::9", "fe80::1", "::ffff:192.168.1.30", "8.8.4.4", "256.1.1.1"])
        dst = rng.pick(["10.0.0.7", "10.0.0.8", "192.168.1.1"])
        action = rng.pick(["ALLOW", "ALLOW", "DENY"])
        vals.append([ts(s, ns), f"{action} src={src} dst={dst} port={rng.pick([22, 80, 443, 8080])} "
                                f"proto={rng.pick(['tcp', 'udp'])} from {src}:{rng.int(1024, 65000)}"])
    add({"app": "firewall", "env": "prod", "zone": "dmz"}, vals)


# --- streams whose labels collide with the keys inside their lines ---------------------------------------------
def collide():
    rng = Rng(89)
    vals = []
    for (s, ns) in spread(rng, 50):
        if rng.chance(0.5):
            obj = {"level": rng.pick(["error", "info"]), "status": rng.pick(["500", "200"]), "method": "POST",
                   "app": "inner", "msg": "json collide"}
            line = json.dumps(obj, separators=(",", ":"))
        else:
            line = (f"level={rng.pick(['error', 'info'])} status={rng.pick([500, 200, 404])} method=PUT "
                    f"app=inner msg=\"logfmt collide\"")
        vals.append([ts(s, ns), line])
    add({"app": "collide", "level": "info", "status": "200", "method": "GET"}, vals)


# --- entries before T0, for offset and for ranges that start early ------------------------------------------------
def early():
    rng = Rng(97)
    vals = [[ts(s - 1800, ns), f"early level=info seq={i}"] for i, (s, ns) in enumerate(spread(rng, 40, 0, 1800))]
    add({"app": "early", "env": "prod"}, vals)


churn_api()
checkout()
nginx()
java()
i18n()
colors()
packed()
dupes_and_empty()
dupkeys()
counters()
traced()
firewall()
collide()
early()


def build_pushes():
    """Split every stream into pushes of about 40 entries, round-robin across streams so pushes mix streams.
    The 'ooo' stream and a slice of every fifth stream are pushed newest-first (out of order)."""
    rng = Rng(101)
    keys = sorted(streams)
    chunks = []
    for ki, key in enumerate(keys):
        vals = streams[key]
        labels = json.loads(key)
        # stable order of entries within the stream as generated (already roughly increasing)
        vals = sorted(vals, key=lambda v: int(v[0]))
        parts = [vals[i:i + 40] for i in range(0, len(vals), 40)]
        if ki % 5 == 0 and len(parts) > 1:
            # the second part is pushed before the first: entries older than the stream's newest arrive later
            parts[0], parts[1] = parts[1], parts[0]
        for p in parts:
            chunks.append((labels, p))
    # out-of-order within one push, and across pushes: a stream pushed backwards in small pieces
    ooo = []
    for m in range(59, -1, -2):
        ooo.append([ts(m * 60 + 30, 500), f"ooo minute={m} level={'error' if m % 10 == 1 else 'info'}"])
    chunks.append(({"app": "ooo", "env": "test"}, ooo[:10][::-1]))
    chunks.append(({"app": "ooo", "env": "test"}, ooo[10:20]))
    chunks.append(({"app": "ooo", "env": "test"}, ooo[20:]))
    # interleave: pushes of up to 4 streams each, in an order that mixes streams
    pushes = []
    pending = chunks[:]
    # deterministic shuffle that keeps each stream's chunks in their listed order
    by_stream = {}
    for labels, p in pending:
        by_stream.setdefault(json.dumps(labels, sort_keys=True), []).append((labels, p))
    queues = [by_stream[k] for k in sorted(by_stream)]
    while any(queues):
        batch = []
        live = [q for q in queues if q]
        for _ in range(min(4, len(live))):
            q = live.pop(rng.next() % len(live))
            labels, p = q.pop(0)
            batch.append({"stream": labels, "values": p})
        pushes.append({"streams": batch})
    return pushes


pushes = build_pushes()
total = sum(len(s["values"]) for p in pushes for s in p["streams"])
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data.json")
with open(out, "w", encoding="utf-8") as f:
    f.write('{"t0": %d, "entries": %d, "pushes": [\n' % (T0, total))
    f.write(",\n".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in pushes))
    f.write("\n]}\n")
print(f"{len(streams) + 1} streams, {total} entries, {len(pushes)} pushes -> {out}")
