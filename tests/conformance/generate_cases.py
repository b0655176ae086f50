#!/usr/bin/env python3
"""Writes cases.jsonl: the conformance requests, one JSON object a line, replayed against the oracle Loki
(recording golden.jsonl) and against Sawmill (comparing with it).

Every case carries an id (group-number; ids only grow at the end of a group, so the known-divergence list stays
valid), the tenant, the HTTP method and path, and its parameters as a list of [name, value] pairs (a name may
repeat, as match[] does). Push cases carry a body instead (see push_cases()).

Tenants: "conformance" (split_queries_by_interval: 0, the plain engine), "frontend" (split_queries_by_interval: 30m,
Loki's default query path, which aligns metric range queries to their step), "push" (push validation only).

Run: python3 tests/conformance/generate_cases.py  (rewrites tests/conformance/cases.jsonl)
"""
import json
import os

T0 = 1707732000  # must equal generate_data.py's T0
NS = 1_000_000_000


def ns(sec):
    return str((T0 + sec) * NS)


LOG_START, LOG_END = ns(-600), ns(4200)
cases = []
counters = {}


def case(group, path, params, tenant="conformance", method="GET"):
    counters[group] = counters.get(group, 0) + 1
    cases.append({"id": f"{group}-{counters[group]:04d}", "tenant": tenant, "method": method, "path": path,
                  "params": [[k, v] for k, v in params]})


def logq(group, q, limit=25, direction=None, start=LOG_START, end=LOG_END, tenant="conformance"):
    p = [("query", q), ("start", start), ("end", end), ("limit", str(limit))]
    if direction:
        p.append(("direction", direction))
    case(group, "/loki/api/v1/query_range", p, tenant)


def metq(group, q, step="300s", start=ns(0), end=ns(3600), tenant="conformance"):
    case(group, "/loki/api/v1/query_range", [("query", q), ("start", start), ("end", end), ("step", step)], tenant)


def inst(group, q, time=ns(1800), limit=None, direction=None, tenant="conformance"):
    p = [("query", q), ("time", time)]
    if limit is not None:
        p.append(("limit", str(limit)))
    if direction:
        p.append(("direction", direction))
    case(group, "/loki/api/v1/query", p, tenant)


# ---------------------------------------------------------------------------------------------------------------
# selectors
SELECTORS = [
    '{app="churn-api"}', '{app="churn-api", env="prod"}', '{app="churn-api",level="ERROR"}', '{app=~"churn.*"}',
    '{app=~"churn-api|checkout"}', '{app!="churn-api", env="prod"}', '{app=~".+", env!~"prod|test"}',
    '{env="staging"}', '{app="nginx", host=~"web-[12]"}', '{app="i18n", lang="ü-ñ"}', '{lang=~"..?"}',
    '{app="nope"}', '{app="churn-api", level=""}', '{app="java-svc", level=""}', '{app=~"CHURN-API"}',
    '{app=~"(?i)CHURN-API"}', '{app="dupes"}', '{app="empty"}', '{app="ooo"}', '{app="traced"}', '{app="packed"}',
    '{app="colors"}', '{app="counter"}', '{app="early"}', '{app="collide"}', '{app="firewall"}', '{zone="dmz"}',
    '{app=`churn-api`}', '{ app = "churn-api" , env = "staging" }', '{app="counter", instance!~"i-[12]"}',
    '{app=~"^(ooo|dupes)$"}', '{app=~"e.*", env="prod"}', '{app="checkout", cluster!="eu-west"}',
    '{app="i18n", lang!="ja"}', '{app=~"[a-c].*"}', '{app=~"java-svc|nginx", env=~"p.*"}',
]
for s in SELECTORS:
    logq("sel", s)
for s in SELECTORS[:18]:
    logq("sel", s, limit=7, direction="forward")
for s in ['{app="dupes"}', '{app="empty"}', '{app="ooo"}', '{app="java-svc"}', '{app="early"}']:
    logq("sel", s, limit=1000, direction="forward")
    logq("sel", s, limit=1000, direction="backward")
for lim in [1, 2, 5, 40]:
    logq("sel", '{env="prod"}', limit=lim)
    logq("sel", '{env="prod"}', limit=lim, direction="forward")
# time windows that cut through the data, and ranges before and after it
for a, b in [(0, 60), (59, 61), (1799, 1800), (3540, 3600), (-3600, -1800), (3600, 7200), (-1800, 0), (1234, 1234.5)]:
    logq("sel", '{app="counter"}', limit=50, start=str(int((T0 + a) * NS)), end=str(int((T0 + b) * NS)))
    logq("sel", '{app="dupes"}', limit=50, start=str(int((T0 + a) * NS)), end=str(int((T0 + b) * NS)),
         direction="forward")
# other time formats: RFC3339, fractional seconds
logq("sel", '{app="ooo"}', start="2024-02-12T10:00:00Z", end="2024-02-12T10:30:00Z", limit=100)
logq("sel", '{app="ooo"}', start="2024-02-12T10:00:00.5+01:00", end="2024-02-12T11:30:00Z", limit=100)
logq("sel", '{app="ooo"}', start=str(T0), end=str(T0 + 900), limit=100)
logq("sel", '{app="ooo"}', start=f"{T0}.25", end=f"{T0 + 1200}.75", limit=100)
# instant log queries
for s in ['{app="churn-api", env="prod"}', '{app="dupes"}', '{app="ooo"} |= "error"', '{app="counter"} | logfmt']:
    inst("sel", s, limit=10)
    inst("sel", s, limit=10, direction="forward")

# ---------------------------------------------------------------------------------------------------------------
# line filters
LINE_FILTERS = [
    '|= "error"', '|= "Error"', '!= "error"', '|~ "(?i)error"', '!~ "error|warn"', '|= "level=info" |= "status=200"',
    '|= ""', '|~ ""', '!= ""', '|~ "^\\\\d"', '|= "ユーザー"', '|= "🔥"', '|~ "[0-9]{3}"', '|= `"level":"error"`',
    '|~ `\\d+\\.\\d+`', '|~ "(?s)NullPointer.*IOException"', '|~ "a|b"', '|= "GET" != "health"',
    '|~ "level=(warn|error)"', '!~ "^$"', '|~ "^\\\\s*$"', '|= "\\n"', '|= "\\t"', '|= "\\u001b[31m"',
    '|~ "(?i)ünï"', '|= "straße"', '|~ "Stra(ß|ss)e"', '|= "Σίσυφος"', '!= "level"', '|~ "status=[45]\\\\d\\\\d"',
    '|= "GET" or "POST"' if False else '|~ "GET|POST"', '|~ ".*"', '|~ "x*"', '!~ ".*"',
    '|= "minute=1" != "minute=1"', '|~ "minute=1\\\\b"', '|~ "\\\\bminute=(1|2)\\\\d?\\\\b"',
]
FILTER_SELECTORS = ['{env="prod"}', '{app=~".+"}', '{app="i18n"}', '{app="java-svc"}', '{app="dupes"}']
for f in LINE_FILTERS:
    for s in FILTER_SELECTORS[:2]:
        logq("line", f"{s} {f}")
for f in LINE_FILTERS[10:30]:
    for s in FILTER_SELECTORS[2:]:
        logq("line", f"{s} {f}")
IP_FILTERS = ['|= ip("192.168.1.0/24")', '!= ip("192.168.1.0/24")', '|= ip("2001:db8::/32")', '|= ip("10.0.0.7")',
              '|= ip("192.168.1.1-192.168.1.50")', '|= ip("::ffff:192.168.1.30")', '!= ip("10.0.0.0/8")',
              '|= ip("0.0.0.0/0")', '|= ip("fe80::/10")', '|= ip("8.8.4.4")', '|= ip("192.168.1.45") |= "DENY"',
              '|= ip("172.16.0.0/12") != ip("172.16.5.4")', '|= ip("::/0")', '|= ip("2001:db8::42")']
for f in IP_FILTERS:
    logq("line", '{app="firewall"} ' + f, limit=40)
    logq("line", '{app="nginx"} ' + f, limit=40)
for f in IP_FILTERS[:6]:
    metq("line", f'sum(count_over_time({{app="firewall"}} {f} [10m]))', step="600s")

# ---------------------------------------------------------------------------------------------------------------
# parsers
PARSER_QUERIES = [
    '{app="churn-api"} | json', '{app="churn-api"} | json | level="error"', '{app="churn-api"} | json | level="ERROR"',
    '{app="churn-api", env="prod"} | json | level_extracted="error"', '{app="churn-api"} | json level, msg="message"',
    '{app="churn-api"} | json user_id="user.id", role0="user.roles[0]", uname="user[\\"name\\"]"',
    '{app="churn-api"} | json method="[\\"http.method\\"]", rid="[\\"x-request-id\\"]"',
    '{app="churn-api"} | json three=`nested.list[2].three`, c="nested.a.b.c", l1="nested.list[1]"',
    '{app="churn-api"} | json x="nonexistent"', '{app="churn-api"} | json | __error__!=""',
    '{app="churn-api"} | json | __error__=""', '{app="churn-api"} | json | __error__="JSONParserErr"',
    '{app="churn-api"} | json | __error__!="" | line_format "{{.__error__}} {{.__error_details__}}"',
    '{app="churn-api"} | json nested="nested"', '{app="churn-api"} | json list="nested.list"',
    '{app="churn-api"} | json e="empty", n="nothing", f="flag", s="sci", g="neg"',
    '{app="churn-api"} | json | app="churn-inner"', '{app="churn-api"} | json | app_extracted="churn-inner"',
    '{app="churn-api"} | json | env_extracted!=""', '{app="churn-api"} | json | dup!=""',
    '{app="traced"} | json', '{app="traced"} | json | trace_id_extracted=~"line-.*"', '{app="collide"} | json',
    '{app="i18n"} | json', '{app="packed"} | json', '{app="colors"} | json', '{app="counter"} | json',
    '{app="churn-api"} | json | json', '{app="churn-api"} | json level | logfmt',
    '{app="checkout"} | logfmt', '{app="checkout"} | logfmt --strict', '{app="checkout"} | logfmt --keep-empty',
    '{app="checkout"} | logfmt --strict --keep-empty', '{app="checkout"} | logfmt level, st="status"',
    '{app="checkout"} | logfmt --keep-empty empty, flag', '{app="checkout"} | logfmt | __error__!=""',
    '{app="checkout"} | logfmt --strict | __error__!=""', '{app="checkout"} | logfmt | app_extracted!=""',
    '{app="checkout"} | logfmt | cluster_extracted!=""', '{app="checkout"} | logfmt | status="201"',
    '{app="checkout"} | logfmt | quoted!=""', '{app="checkout"} | logfmt | http_path!=""',
    '{app="checkout"} | logfmt | trace_id!=""', '{app="counter"} | logfmt', '{app="collide"} | logfmt',
    '{app="traced", env="staging"} | logfmt', '{app="colors"} | logfmt', '{app="colors"} | decolorize | logfmt',
    '{app="java-svc"} | logfmt', '{app="i18n"} | logfmt', '{app="dupes"} | logfmt', '{app="empty"} | logfmt',
    '{app="churn-api"} | logfmt', '{app="packed"} | logfmt',
    '{app="nginx"} | regexp "(?P<ip>\\\\S+) - (?P<user>\\\\S+) \\\\[(?P<ts>[^\\\\]]+)\\\\] \\"(?P<method>\\\\w+) (?P<path>\\\\S+)"',
    '{app="nginx"} | regexp `(?P<method>GET|POST) (?P<path>/\\S*)`',
    '{app="nginx"} | regexp `(?P<status>\\d{3}) (?P<size>\\d+)`',
    '{app="nginx"} | regexp `(?P<app>\\w+)`', '{app="nginx"} | regexp `(?P<host>web)?(?P<x>\\d+)`',
    '{app="checkout"} | regexp `level=(?P<level>\\w+)`', '{app="collide"} | regexp `level=(?P<level>\\w+)`',
    '{app="nginx"} | regexp `^(?P<first>\\S+)` | first=~"192.*"',
    '{app="nginx"} | pattern "<ip> - <user> [<_>] \\"<method> <path> <_>\\" <status> <size> <_>"',
    '{app="nginx"} | pattern `<_> "<method> <_>" <status> <_>`', '{app="nginx"} | pattern `<ip> <_>`',
    '{app="nginx"} | pattern `<app> - <_>`', '{app="nginx"} | pattern `<_>" <status> <size> "<_>" "<agent>" <rt>`',
    '{app="firewall"} | pattern `<action> src=<src> dst=<dst> <_>`',
    '{app="checkout"} | pattern `<_> level=<level> <_>`', '{app="i18n"} | pattern `<word> <_>`',
    '{app="packed"} | unpack', '{app="packed"} | unpack | logfmt', '{app="packed"} | unpack | json',
    '{app="packed"} | unpack | job_extracted!=""', '{app="packed"} | unpack | __error__!=""',
    '{app="churn-api"} | unpack', '{app="checkout"} | unpack', '{app="traced"} | unpack',
]
# {app="dupes"} has entries with equal timestamps that a parser puts into different streams: with a limit that cuts
# through them, which of the tied entries Loki returns varies, so those queries ask for everything.
for q in PARSER_QUERIES:
    logq("parse", q, limit=1000 if "dupes" in q else 15)
for q in PARSER_QUERIES[::3]:
    logq("parse", q, limit=1000 if "dupes" in q else 15, direction="forward")
# the extracted labels as metric series
for q in ['{app="churn-api"} | json', '{app="checkout"} | logfmt', '{app="checkout"} | logfmt --keep-empty',
          '{app="packed"} | unpack', '{app="collide"} | json', '{app="collide"} | logfmt', '{app="traced"} | json']:
    metq("parse", f"sum by (level, level_extracted, app_extracted, status, __error__) (count_over_time({q} [10m]))",
         step="600s")
    metq("parse", f"count(count_over_time({q} [1h]))", step="3600s")

# ---------------------------------------------------------------------------------------------------------------
# label filters
LABEL_FILTERS = [
    '| logfmt | status >= 400', '| logfmt | status == 200', '| logfmt | status != 200', '| logfmt | status = 200',
    '| logfmt | status > 201 and method="POST"', '| logfmt | status < 300 or level="error"',
    '| logfmt | (status >= 500 or status == 404) and method!="GET"', '| logfmt | status=~"2.."',
    '| logfmt | level!~"info|debug"', '| logfmt | duration > 1s', '| logfmt | duration <= 100ms',
    '| logfmt | duration >= 2m', '| logfmt | duration < 1ms', '| logfmt | bytes > 1KB', '| logfmt | bytes < 1MB',
    '| logfmt | bytes >= 40kB', '| logfmt | bytes == 512B', '| logfmt | user_id > 30, level="info"',
    '| logfmt | user_id > 30 level="info"', '| logfmt | user_id >= 1.5e1', '| logfmt | status > 2e2',
    '| logfmt | level="info" or level="warn" and status=200', '| logfmt | missing="x"', '| logfmt | missing=""',
    '| logfmt | missing!=""', '| logfmt | missing > 5', '| logfmt | missing < 5', '| logfmt | level=~"(?i)INFO"',
    '| logfmt | method=~"GET|POST", path!~"/health.*"', '| logfmt | status != 200 | status != 404',
    '| logfmt | level="info" | line_format "{{.msg}}" |= "cart"', '| logfmt | path=`/api/cart`',
    '| logfmt | status > 200 and status < 300 or status == 404',
    '| logfmt | (level="error" or level="warn") and (status=500 or status=400)',
    '| logfmt | duration > 1s or bytes > 1MB', '| logfmt | user_id != 7 and user_id != 8',
]
for f in LABEL_FILTERS:
    logq("lfilter", '{app="checkout"} ' + f, limit=20)
for f in LABEL_FILTERS[:20]:
    metq("lfilter", f'sum by (cluster) (count_over_time({{app="checkout"}} {f} [10m]))', step="600s")
NUM_ERR_FILTERS = ['| logfmt | cpu > 0.5', '| logfmt | cpu > 0.5 | __error__=""', '| logfmt | latency > 1s',
                   '| logfmt | latency > 1s | __error__=""', '| logfmt | bytes_sent > 4KB',
                   '| logfmt | bytes_sent > 4KB | __error__!=""', '| logfmt | cpu < 0', '| logfmt | cpu == 0',
                   '| logfmt | cpu != 0', '| logfmt | mem > 1000 and cpu > 1', '| logfmt | cpu > 0.5 or mem > 3500',
                   '| logfmt | code >= 400 | __error__=""']
for f in NUM_ERR_FILTERS:
    logq("lfilter", '{app="counter", instance="i-1"} ' + f, limit=20)
    metq("lfilter", f'sum by (__error__) (count_over_time({{app="counter"}} {f} [10m]))', step="600s")
IP_LABEL = ['| logfmt | src = ip("192.168.1.0/24")', '| logfmt | src != ip("10.0.0.0/8")',
            '| logfmt | dst = ip("10.0.0.7")', '| logfmt | src = ip("192.168.1.1-192.168.1.100")',
            '| logfmt | src = ip("2001:db8::/32")', '| logfmt | src = ip("::ffff:192.168.1.30")',
            '| logfmt | src = ip("192.168.1.0/24") or src = ip("10.0.0.0/8")',
            '| logfmt | src != ip("192.168.1.0/24") and dst = ip("10.0.0.7")', '| logfmt | src = ip("fe80::1")',
            '| logfmt | src = ip("256.1.1.1")']
for f in IP_LABEL:
    logq("lfilter", '{app="firewall"} ' + f, limit=30)
JSON_FILTERS = ['| json | status >= 500', '| json | latency_ms > 100', '| json | latency_ms > 100.5',
                '| json | took > 1s', '| json | size > 1KB', '| json | user_id > 40', '| json | user_name="zoë"',
                '| json | client_ip = ip("10.1.0.0/16")', '| json | status = 503 or error_type="KeyError"',
                '| json | took >= 1m30s', '| json | size <= 512B', '| json | path=~"/api/v1/customers(/\\\\d+)?"']
for f in JSON_FILTERS:
    logq("lfilter", '{app="churn-api"} ' + f, limit=20)
    metq("lfilter", f'sum by (env) (count_over_time({{app="churn-api"}} {f} [10m]))', step="600s")

# ---------------------------------------------------------------------------------------------------------------
# line_format / label_format and template functions
TEMPLATES = [
    '{{.message}}', '{{.level}} {{.level_extracted}}', '{{.status}} {{.path}}', '{{ToUpper .message}}',
    '{{.message | ToLower}}', '{{title .message}}', '{{trunc 5 .message}}', '{{trunc -3 .message}}',
    '{{substr 0 4 .message}}', '{{substr 2 100 .message}}', '{{replace \\"e\\" \\"E\\" .message}}',
    '{{Replace .message \\"e\\" \\"3\\" 1}}', '{{trim \\"  x  \\"}}', '{{Trim .path \\"/\\"}}',
    '{{TrimLeft .path \\"/ap\\"}}', '{{TrimRight .path \\"0123456789\\"}}', '{{trimAll \\"/\\" .path}}',
    '{{trimPrefix \\"/api\\" .path}}', '{{TrimPrefix .path \\"/api\\"}}', '{{trimSuffix \\"s\\" .path}}',
    '{{TrimSuffix .path \\"s\\"}}', '{{TrimSpace \\"  a b  \\"}}',
    '{{regexReplaceAll \\"(\\\\\\\\w+)\\" .path \\"<${1}>\\"}}', '{{regexReplaceAllLiteral \\"[0-9]+\\" .path \\"$1\\"}}',
    '{{default \\"none\\" .error_type}}', '{{if eq .level \\"error\\"}}E{{else if eq .level \\"warn\\"}}W{{else}}o{{end}}',
    '{{ if and (eq .status \\"500\\") (eq .path \\"/predict\\") }}bad{{ else }}ok{{ end }}', '{{len .message}}',
    '{{count \\"o\\" .message}}', '{{urlencode .path}}', '{{urldecode \\"a%20b%2Fc\\"}}', '{{b64enc .message}}',
    '{{b64dec \\"aGVsbG8gd29ybGQ=\\"}}', '{{__line__}}', '{{__timestamp__}}', '{{ __timestamp__ | date \\"2006-01-02T15:04:05.000Z07:00\\" }}',
    '{{ unixEpoch __timestamp__ }}', '{{ unixEpochMillis __timestamp__ }}', '{{ unixEpochNanos __timestamp__ }}',
    '{{.user_name}} {{.user_id}}', '{{printf \\"%s-%d\\" .level 5}}', '{{printf \\"%05.1f\\" .latency_ms}}',
    '{{printf \\"%q\\" .message}}', '{{printf \\"%v|%10s|%-6s|\\" .status .path .level}}',
    '{{ .status | int | add 1 }}', '{{ .latency_ms | float64 | mulf 2 }}', '{{ addf .latency_ms 1.5 }}',
    '{{ subf .latency_ms 0.25 }}', '{{ divf .latency_ms 3 }}', '{{ div .status 7 }}', '{{ mod .status 7 }}',
    '{{ mul .status 3 }}', '{{ sub .status 200 }}', '{{ max .status 404 }}', '{{ min .status 404 }}',
    '{{ maxf .latency_ms 100 }}', '{{ minf .latency_ms 100 }}', '{{ ceil .latency_ms }}', '{{ floor .latency_ms }}',
    '{{ round .latency_ms 1 }}', '{{ alignLeft 5 .path }}|', '{{ alignRight 8 .path }}|', '{{ repeat 3 \\"ab\\" }}',
    '{{ indent 2 .message }}', '{{ nindent 2 .message }}', '{{ contains \\"error\\" .message }}',
    '{{ hasPrefix \\"/api\\" .path }}', '{{ hasSuffix \\"42\\" .path }}', '{{ bytes .size }}', '{{ duration .took }}',
    '{{ duration_seconds .took }}', '{{ lower .level }} {{ upper .level }}', '{{ .ts | toDate \\"2006-01-02T15:04:05Z07:00\\" | unixEpoch }}',
    '{{ toDateInZone \\"2006-01-02T15:04:05Z07:00\\" \\"UTC\\" .ts | unixEpoch }}',
    '{{ toDateInZone \\"2006-01-02T15:04:05Z\\" \\"America/New_York\\" .ts | date \\"Jan 2 15:04 MST\\" }}',
    '{{ unixToTime \\"1707732000\\" }}', '{{ .status | unixToTime }}', '{{ fromJson \\"{\\\\\\"a\\\\\\":1}\\" }}',
    '{{ .nested }}', '{{ .missing }}', '{{ .missing | default \\"dflt\\" }}', '{{ eq .status \\"200\\" }}',
    '{{ ne .level \\"info\\" }}', '{{ lt .status \\"300\\" }}', '{{ not (eq .level \\"info\\") }}',
    '{{ or .missing .level }}', '{{ and .level .status }}', '{{ index . \\"level\\" }}', '{{ html .message }}',
    '{{ js .message }}', '{{ print .level 1 2 }}', '{{ println .level }}', '{{ urlquery .path }}',
    '{{ with .error_type }}has {{.}}{{ else }}none{{ end }}', '{{- .level -}} / {{- .status -}}',
    '{{ $x := .level }}{{ $x }}{{ $x }}', '{{ .level }}\\n{{ .status }}', '{{ .level }}\\t{{ .status }}',
    '{{ __line__ | trunc 20 }}', '{{ __line__ | count \\"a\\" }}', '{{ len __line__ }}',
]
for t in TEMPLATES:
    logq("format", '{app="churn-api", env="prod", level="ERROR"} | json | line_format "' + t + '"', limit=6)
for t in ['{{.msg}}', '{{.level}}-{{.status}}', '{{.status | int | mul 2}}', '{{ duration .duration }}',
          '{{ bytes .bytes }}', '{{ ToUpper .method }} {{ .path }}', '{{.empty}}|{{.flag}}', '{{.quoted}}',
          '{{ .app }} {{ .app_extracted }}', '{{ .cluster_extracted | default .cluster }}']:
    logq("format", '{app="checkout"} | logfmt | line_format "' + t + '"', limit=8)
LABEL_FORMATS = [
    '| json | label_format lvl=level', '| json | label_format level=message', '| json | label_format new="{{.level}}-{{.status}}"',
    '| json | label_format a=level, b=path', '| json | label_format level="{{ToUpper .level}}"', '| json | label_format app=env',
    '| json | label_format env=`{{.env}}!`', '| json | label_format x=level | label_format level=x',
    '| json | label_format level_extracted=level', '| json | label_format code="{{.status}}" | code > 400',
    '| json | label_format latency_ms="{{ mulf .latency_ms 2 }}"', '| json | label_format t=`{{__timestamp__ | unixEpoch}}`',
    '| json | label_format l=`{{ __line__ | len }}`', '| json | label_format missing=nowhere',
    '| json | label_format e=`{{ .error_type | default "none" }}` | line_format "{{.e}}"',
    '| logfmt | label_format level=msg', '| json | label_format __error__=level',
]
for f in LABEL_FORMATS:
    logq("format", '{app="churn-api", env="staging"} ' + f, limit=8)
for f in LABEL_FORMATS[:8]:
    metq("format", f'sum by (lvl, level, new, a, b, app, env, x) (count_over_time({{app="churn-api", env="staging"}} {f} [30m]))',
         step="1800s")

# ---------------------------------------------------------------------------------------------------------------
# drop / keep / decolorize
DK = [
    '| json | drop level, path', '| json | drop level_extracted', '| json | drop __error__', '| json | drop __error__, __error_details__',
    '| json | drop env="prod"', '| json | drop level=~"e.*"', '| json | drop env', '| json | drop app, env, level',
    '| json | keep app, level', '| json | keep level_extracted, message', '| json | keep path="/predict"',
    '| json | keep level', '| json | keep app, level="error"', '| json | keep nonexistent', '| logfmt | keep status',
    '| logfmt | drop level, status, __error__', '| json | drop user_id, user_name | keep path, status',
    '| json | keep level | drop level', '| drop env', '| keep env', '| drop env, app', '| keep level=~"E.*"',
    '| json | drop level="ERROR"', '| json | keep level!="error"', '| json | drop status>=500',
]
for f in DK:
    logq("dropkeep", '{app="churn-api"} ' + f, limit=10)
    metq("dropkeep", f'sum by (app, env, level, level_extracted, path, status, message) (count_over_time({{app="churn-api"}} {f} [30m]))',
         step="1800s")
DECOL = ['| decolorize', '| decolorize |= "ERROR"', '| decolorize | logfmt | level="error"', '| logfmt | decolorize',
         '| decolorize | line_format "{{__line__ | len}}"', '|= "ERROR" | decolorize', '| decolorize | decolorize',
         '| decolorize | pattern "<lvl> <_>"']
for f in DECOL:
    logq("decolor", '{app="colors"} ' + f, limit=20)
    logq("decolor", '{app="java-svc"} ' + f, limit=5)

# ---------------------------------------------------------------------------------------------------------------
# range aggregations over logs
LOG_RANGE_SELECTORS = ['{app="churn-api"}', '{app="checkout"} |= "GET"', '{app="nginx"} | pattern `<_> "<method> <_>" <status> <_>`',
                       '{app="dupes"}', '{app="ooo"}', '{app="empty"}', '{app="counter"} | logfmt | level="error"',
                       '{app="churn-api"} | json | status >= 500', '{app="early"}', '{app="traced"}']
RANGE_FUNCS = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'absent_over_time']
for fn in RANGE_FUNCS:
    for s in LOG_RANGE_SELECTORS:
        metq("range", f"{fn}({s} [5m])")
for rng_ in ['1m', '90s', '10m', '1h', '30s', '2m30s', '1h30m']:
    metq("range", f'count_over_time({{app="ooo"}}[{rng_}])', step="60s")
    metq("range", f'rate({{app="dupes"}}[{rng_}])', step="120s")
for off in ['10m', '1h', '30s', '5m30s']:
    metq("range", f'count_over_time({{app="churn-api"}}[5m] offset {off})')
    metq("range", f'sum by (env) (rate({{app="churn-api"}} |= "error" [5m] offset {off}))')
    metq("range", f'sum(bytes_over_time({{app="early"}}[10m] offset {off}))')
metq("range", 'absent_over_time({app="nope"}[5m])')
metq("range", 'absent_over_time({app="early"}[5m])', step="60s")
metq("range", 'absent_over_time({app="ooo", env="test"} |= "minute=1" [1m])', step="60s")
metq("range", 'bytes_over_time({app="checkout"} | logfmt | line_format "{{.msg}}" [5m])')
metq("range", 'bytes_rate({app="checkout"} | line_format "x" [5m])')
metq("range", 'bytes_over_time({app="i18n"}[10m])')
metq("range", 'bytes_over_time({app="empty"}[10m])')
metq("range", 'count_over_time({app="dupes"}[1m])', step="60s")
metq("range", 'count_over_time({app="ooo"}[2m])', step="60s", start=ns(0), end=ns(3600))

# unwrap
UNWRAP_BASE = ['{app="counter"} | logfmt requests_total | unwrap requests_total', '{app="counter"} | logfmt mem, level | unwrap mem',
               '{app="counter"} | logfmt cpu | unwrap cpu', '{app="counter"} | logfmt cpu | unwrap cpu | __error__=""',
               '{app="counter"} | logfmt bytes_sent | unwrap bytes(bytes_sent)',
               '{app="counter"} | logfmt bytes_sent, code | unwrap bytes(bytes_sent) | __error__=""',
               '{app="counter"} | logfmt latency | unwrap duration(latency)',
               '{app="counter"} | logfmt latency, level | unwrap duration_seconds(latency) | __error__=""',
               '{app="churn-api"} | json latency_ms | unwrap latency_ms', '{app="churn-api"} | json status, path | unwrap status',
               '{app="traced"} | json duration | unwrap duration(duration)', '{app="checkout"} | logfmt bytes | unwrap bytes(bytes)',
               '{app="counter"} | logfmt level, mem | level="info" | unwrap mem', '{app="counter"} | logfmt code | unwrap code | code >= 400',
               '{app="counter", instance="i-3"} | logfmt | unwrap requests_total | __error__=""',
               '{app="churn-api"} | json user_id="user.id" | unwrap user_id']
UNWRAP_FUNCS = ['sum_over_time', 'avg_over_time', 'max_over_time', 'min_over_time', 'first_over_time',
                'last_over_time', 'stddev_over_time', 'stdvar_over_time', 'rate', 'rate_counter']
for fn in UNWRAP_FUNCS:
    for b in UNWRAP_BASE[:8]:
        metq("unwrap", f"{fn}({b} [5m])")
for b in UNWRAP_BASE[8:]:
    for fn in ['sum_over_time', 'avg_over_time', 'max_over_time', 'rate']:
        metq("unwrap", f"{fn}({b} [10m])", step="600s")
for q in ['0.5', '0.95', '0', '1', '0.99', '1.5']:
    metq("unwrap", f'quantile_over_time({q}, {{app="counter"}} | logfmt mem | unwrap mem [10m])', step="600s")
    metq("unwrap", f'quantile_over_time({q}, {{app="counter"}} | logfmt | unwrap mem [10m]) by (instance)', step="600s")
for fn in ['sum_over_time', 'avg_over_time', 'max_over_time', 'min_over_time', 'stddev_over_time', 'first_over_time',
           'last_over_time', 'rate', 'rate_counter']:
    metq("unwrap", f'{fn}({{app="counter"}} | logfmt | unwrap mem [10m]) by (instance)', step="600s")
    metq("unwrap", f'{fn}({{app="counter"}} | logfmt mem, level, code | unwrap mem [10m]) without (instance, level, code)', step="600s")
    metq("unwrap", f'{fn}({{app="counter"}} | logfmt | unwrap mem [10m]) by ()', step="600s")
metq("unwrap", 'rate_counter({app="counter"} | logfmt requests_total | unwrap requests_total | __error__="" [5m])', step="60s")
metq("unwrap", 'sum by (instance) (rate_counter({app="counter"} | logfmt | unwrap requests_total [1m]))', step="60s")
metq("unwrap", 'sum_over_time({app="counter"} | logfmt mem | unwrap mem [5m] offset 10m)')
metq("unwrap", 'avg_over_time({app="churn-api"} | json | unwrap latency_ms | __error__="" [5m]) by (env)')
metq("unwrap", 'max_over_time({app="churn-api"} | json | unwrap duration(took) | __error__="" [10m]) by (path)', step="600s")
metq("unwrap", 'sum(sum_over_time({app="counter"} | logfmt | keep instance | unwrap mem [10m]))', step="600s")
metq("unwrap", 'sum_over_time({app="counter"} | logfmt | drop level, code | unwrap mem [10m])', step="600s")
metq("unwrap", 'sum_over_time({app="counter"} | logfmt | label_format mem2=mem | unwrap mem2 [10m])', step="600s")

# ---------------------------------------------------------------------------------------------------------------
# vector aggregations, functions
BASE_VEC = ['count_over_time({app="churn-api"}[5m])', 'rate({app="checkout"} | logfmt [5m])',
            'sum_over_time({app="counter"} | logfmt mem, level | unwrap mem [5m])',
            'count_over_time({app="nginx"} | pattern `<_> "<method> <_>" <status> <_>` [10m])']
AGGS = ['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar']
GROUPINGS = ['', ' by (env)', ' without (level)', ' by ()', ' without ()', ' by (app, env)', ' by (method)',
             ' by (instance)', ' without (status, method)']
for b in BASE_VEC:
    for a in AGGS:
        for g in GROUPINGS[:5]:
            metq("vector", f"{a}{g} ({b})")
    for g in GROUPINGS[5:]:
        metq("vector", f"sum{g} ({b})")
        metq("vector", f"sum ({b}){g}")
for b in BASE_VEC:
    for k in ['1', '2', '5']:
        metq("vector", f"topk({k}, {b})")
        metq("vector", f"bottomk({k}, {b})")
    metq("vector", f"topk by (env) (1, {b})")
    metq("vector", f"bottomk(1, {b}) by (app)")
    metq("vector", f"sort({b})")
    metq("vector", f"sort_desc({b})")
metq("vector", 'topk(0, count_over_time({app="checkout"}[5m]))')
for q in [
    'label_replace(count_over_time({app="nginx"}[5m]), "h", "$1", "host", "web-(.*)")',
    'label_replace(count_over_time({app="nginx"}[5m]), "h", "$1", "host", "nomatch(.*)")',
    'label_replace(count_over_time({app="nginx"}[5m]), "host", "", "host", ".*")',
    'label_replace(count_over_time({app="nginx"}[5m]), "host", "$2-$1", "host", "(web)-(\\\\d)")',
    'label_replace(count_over_time({app="nginx"}[5m]), "new", "x${1}y", "missing", "(.*)")',
    'label_replace(count_over_time({app="nginx"}[5m]), "app", "$1", "env", "(.*)")',
    'sum by (h) (label_replace(count_over_time({app="nginx"}[5m]), "h", "$1", "host", "(web)-.*"))',
    'vector(1)', 'vector(0)', 'vector(3.5) * 2', 'sum(count_over_time({app="nope"}[5m])) or vector(0)',
    'sum(count_over_time({app="ooo"}[1m])) or vector(0)', 'vector(0) or sum(count_over_time({app="ooo"}[1m]))',
    'sum by (env) (count_over_time({app="ooo"}[1m])) or vector(0)', '1 + 2', '2 ^ 3 ^ 2', '-1', '(1 + 2) * 3',
    '10 % 3', '1 / 0', '-1 / 0', '0 / 0', '-(-3)', '1 > bool 2', '2 >= bool 2', '3 == bool 3', '1 != bool 1',
    '2 * 3 - 4 / 2', '7 % -3', '-7 % 3', '2 ^ -1', '2 ^ 0.5', '1e3 + 1', '0x10 + 1', '.5 + 1', '1 - -1',
    'vector(1) + vector(2)', 'vector(1) > bool vector(2)', 'vector(1) and vector(2)', 'vector(1) unless vector(2)',
    'sum(vector(1))', 'count(vector(7))', 'max by (x) (vector(2))', 'topk(1, vector(4))', 'sort(vector(1))',
    'label_replace(vector(1), "a", "b", "", "")',
]:
    metq("vector", q)

# ---------------------------------------------------------------------------------------------------------------
# binary operators
A = 'sum by (env) (count_over_time({app="churn-api"}[5m]))'
B = 'sum by (env, level) (count_over_time({app="churn-api"}[5m]))'
C = 'sum by (env) (count_over_time({app="churn-api", level="ERROR"}[5m]))'
D = 'sum by (env) (count_over_time({env=~"prod|staging"}[5m]))'
E = 'count_over_time({app="checkout"}[5m])'
F = 'count_over_time({app="counter"}[5m])'
G = 'sum by (instance) (count_over_time({app="counter"}[5m]))'
H = 'sum by (instance, job) (rate({app="counter"}[5m]))'
BIN = [
    f"{A} * 2", f"2 * {A}", f"{A} / 4", f"{A} + {A}", f"{A} - {C}", f"{C} / {A}", f"{A} % 7", f"{A} ^ 2",
    f"{A} > 20", f"{A} > bool 20", f"{A} == 30", f"{A} == bool 30", f"{A} != 0", f"{A} < bool {C}",
    f"20 < {A}", f"20 < bool {A}", f"{A} >= {C}", f"{A} <= bool {D}",
    f"{A} and {C}", f"{A} or {C}", f"{A} unless {C}", f"{A} and on(env) {B}", f"{B} and on(env) {A}",
    f"{B} unless on(env) {C}", f"{B} or {C}", f"{C} or {B}",
    f"{B} / on(env) group_left {A}", f"{A} / on(env) group_right {B}", f"{B} / ignoring(level) group_left {A}",
    f"{B} * on(env) group_left(app) {A}", f"{B} / on(env) {A}", f"{B} / ignoring(level) {A}",
    f"{A} / on(env) group_left {B}", f"{B} + on() group_left {A}", f"{B} > on(env) group_left {A}",
    f"{B} > bool on(env) group_left {A}", f"{A} / ignoring(env) {C}", f"{A} + on(nope) {C}",
    f"{E} / on(cluster) {E}", f"{E} / ignoring(cluster) {E}", f"sum({E}) / sum({F})", f"sum({E}) / ignoring() sum({F})",
    f"{G} / on(instance) {H}", f"{H} / on(instance) group_left {G}", f"{G} / on(instance) group_right(job) {H}",
    f"{G} + {G} * 2 - {G} / 2", f"({G} + 1) * 2", f"-{G}", f"{G} - -1", f"{G} > 50 and {G} < 100",
    f"{G} > 50 or {G} < 10", f"{G} ^ 0.5", f"1 - {G} / {G}", f"{G} == bool {G}",
    f"sum({A}) == sum({C}) + sum({A} - {C})", f"{A} > 1000 or vector(0)", f"{F} and {G}",
    f"{F} * on(instance) group_left(job) {H}", f"{F} / on(instance, job) {H}",
    f"max without () ({F})", f"max without () ({F}) / {F}", f"count_over_time({{app=\"checkout\"}}[5m]) > 4",
    f"{E} - {E} offset 5m" if False else f"{E} - count_over_time({{app=\"checkout\"}}[5m] offset 5m)",
]
for q in BIN:
    metq("binary", q)
for q in BIN[::4]:
    metq("binary", q, step="60s", start=ns(600), end=ns(1200))

# ---------------------------------------------------------------------------------------------------------------
# instant queries
INSTANT = [
    'count_over_time({app="churn-api"}[5m])', 'sum by (env) (count_over_time({app="churn-api"}[5m]))',
    'sum(rate({app="checkout"}[1h]))', 'topk(2, sum by (path) (count_over_time({app="churn-api"} | json [1h])))',
    'sort_desc(sum by (path) (count_over_time({app="churn-api"} | json [1h])))',
    'sort(sum by (host) (count_over_time({app="nginx"}[1h])))',
    'quantile_over_time(0.9, {app="counter"} | logfmt | unwrap mem [1h]) by (instance)',
    'max_over_time({app="counter"} | logfmt requests_total | unwrap requests_total [1h])', 'vector(5)', '3 * 4',
    'absent_over_time({app="nope"}[5m])', 'absent_over_time({app="early"}[5m])',
    f"{B} / on(env) group_left {A}", f"{A} > bool 20", 'bytes_over_time({app="java-svc"}[1h])',
    'sum(count_over_time({app="nope"}[5m])) or vector(0)', 'count(count_over_time({app=~".+"}[1h]))',
    'sum by (level) (count_over_time({app="churn-api"} | json [1h]))',
    'sum by (__error__) (count_over_time({app="churn-api"} | json [1h]))',
    'sum by (__error__, __error_details__) (count_over_time({app="checkout"} | logfmt --strict [1h]))',
    'rate_counter({app="counter"} | logfmt requests_total | unwrap requests_total [10m])',
    'avg(avg_over_time({app="churn-api"} | json | unwrap latency_ms | __error__="" [1h]))',
]
for q in INSTANT:
    inst("instant", q)
for t in [ns(0), ns(3600), ns(3660), ns(-1), ns(599), "2024-02-12T10:45:30Z", f"{T0 + 1500}.5", str(T0 + 1500)]:
    inst("instant", 'sum by (env) (count_over_time({app="churn-api"}[5m]))', time=t)
    inst("instant", 'count_over_time({app="ooo"}[2m])', time=t)
    inst("instant", 'sum(rate({app="dupes"}[10m]))', time=t)

# ---------------------------------------------------------------------------------------------------------------
# steps, unaligned ranges, frontend tenant (split_queries_by_interval: 30m aligns start/end to step)
STEP_QUERIES = ['count_over_time({app="ooo"}[2m])', 'sum(count_over_time({app="churn-api"}[5m]))',
                'sum by (instance) (rate({app="counter"}[1m]))', 'rate({app="dupes"}[1m])']
for tenant in ["conformance", "frontend"]:
    for q in STEP_QUERIES:
        for (a, b, step) in [(17, 3577, "60s"), (0, 3600, "60s"), (5, 1805, "300s"), (90.5, 1890.25, "37s"),
                             (1, 601, "1m"), (0, 3600, "7m"), (123, 3599, "90s"), (600, 600.5, "60s")]:
            metq("step", q, step=step, start=str(int((T0 + a) * NS)), end=str(int((T0 + b) * NS)), tenant=tenant)
    for q in ['{app="ooo"}', '{app="dupes"} |= "minute"', '{app="counter", instance="i-1"}']:
        logq("step", q, limit=30, start=ns(17), end=ns(3577), tenant=tenant)
        logq("step", q, limit=30, start=ns(17), end=ns(3577), tenant=tenant, direction="forward")
for q in ['count_over_time({app="ooo"}[5m])', 'sum(rate({app="churn-api"}[5m]))']:
    for step in ["60", "60.5", "1m30s", "3600", "1h", "1d", "4000s"]:
        metq("step", q, step=step, start=ns(0), end=ns(3600))
    for step in ["0.5", "1", "1.5s", "250ms"]:
        metq("step", q, step=step, start=ns(1800), end=ns(1830))
# a metric query without step: the default step depends on the range (max(1s, range/250))
for q in ['count_over_time({app="ooo"}[5m])']:
    case("step", "/loki/api/v1/query_range", [("query", q), ("start", ns(0)), ("end", ns(3600))])
    case("step", "/loki/api/v1/query_range", [("query", q), ("start", ns(0)), ("end", ns(600))])

# ---------------------------------------------------------------------------------------------------------------
# behaviours where Loki 3 differs from 2.9 on purpose, each shown once (docs/compat.md)
for q in ['{app="dupkeys"} | logfmt', '{app="dupkeys"} | json', '{app="dupkeys"} | json | logfmt',
          '{app="smcollide"} | json', '{app="smcollide"} | logfmt']:
    logq("v3", q, limit=100)

# ---------------------------------------------------------------------------------------------------------------
# invalid queries: parse errors and semantic errors, through query_range and query
INVALID = [
    '{app="x"', '{app=x}', 'app="x"', '{}', '{app=""}', '{app=~".*"}', '{app!="x"}', '{app!~"x"}', '{app=~""}',
    '{app="x"} |= ', '{app="x"} |== "a"', '{app="x"} | json |', '{app="x"} | foo', '{app="x"} | logfmt --nope',
    '{app="x"} | json a=', '{app="x"} | json a="b', '{app="x"} | json a=b', '{app="x"} | regexp "(?P<x"',
    '{app="x"} | regexp "abc"', '{app="x"} | regexp "(abc)"', '{app="x"} | pattern "<_>"', '{app="x"} | pattern "foo"',
    '{app="x"} | pattern "<a><b>"', '{app="x"} | pattern ""', '{app="x"} | pattern "<a> <a>"', '{app="x"} | line_format',
    '{app="x"} | line_format "{{.a"', '{app="x"} | line_format "{{ nofunc .a }}"', '{app="x"} | label_format a',
    '{app="x"} | label_format a=b, a=c', '{app="x"} | label_format a="{{.b"', '{app="x"} | unwrap x',
    '{app="x"} | logfmt | unwrap x', 'count_over_time({app="x"})', 'count_over_time({app="x"}[5])',
    'count_over_time({app="x"}[5m]', 'count_over_time({app="x"}[5m] offset)', 'sum(rate({app="x"}[5m])) by',
    'sum by (rate({app="x"}[5m]))', 'topk(rate({app="x"}[5m]))', 'topk(-1, rate({app="x"}[5m]))',
    'topk(1.5, rate({app="x"}[5m]))', 'topk("a", rate({app="x"}[5m]))',
    'quantile_over_time(-0.5, {app="x"} | logfmt | unwrap v [5m])',
    'quantile_over_time({app="x"} | logfmt | unwrap v [5m])', 'sum_over_time({app="x"}[5m])',
    'rate_counter({app="x"}[5m])', 'count_over_time({app="x"} | logfmt | unwrap v [5m])',
    'absent_over_time({app="x"}[5m]) by (a)', 'label_replace(rate({app="x"}[5m]), "a", "b", "c", "(")',
    'label_replace(rate({app="x"}[5m]), "1a", "b", "c", "(.*)")', 'label_replace(rate({app="x"}[5m]), "a", "b", "c")',
    'vector("a")', 'vector()', '1 +', '1 + {app="x"}', '{app="x"} + 1', '{app="x"} and {app="y"}', 'sum({app="x"})',
    'count_over_time({app="x"}[5m]) > bool', 'count_over_time({app="x"}[5m]) == bool {app="x"}', '1 and 1',
    '1 or vector(1)', 'vector(1) and 1', 'foo(1)', 'rate({app="x"}[5m] offset -1m)', '{app="x"} |= ip("abc")',
    '{app="x"} |= ip("1.2.3.4/40")', '{app="x"} | logfmt | a > ip("1.1.1.1")', '{app="x"} | json | status > "a"',
    '{app="x"} | json | size > 1XB', '{app="x"} | json | took > 1parsec', '{app="x"} | drop', '{app="x"} | keep',
    '{app="x"} | keep a=', '{app="x"} ⚡', '{app="x"} | unwrap', '{app="x"} |= "a" |', 'sum(sum(sum(rate({app="x"}[5m]))',
    'sort(rate({app="x"}[5m])) by (x)', 'sum by (x) (rate({app="x"}[5m])) by (y)', 'rate({app="x"}[5m])[5m]',
    'count_over_time(count_over_time({app="x"}[5m])[5m])', '{app="x"}[5m]', 'rate({app="x"})[5m]',
    'sum(rate({app="x"}[5m])) + on(a) group_left(b) group_right sum(rate({app="y"}[5m]))',
    'sum(rate({app="x"}[5m])) + group_left on(a) sum(rate({app="y"}[5m]))', 'bottomk(rate({app="x"}[5m]), 2)',
    'avg_over_time({app="x"} | unwrap bytes(v, w) [5m])', 'avg_over_time({app="x"} | unwrap foo(v) [5m])',
    'avg_over_time({app="x"} | unwrap v [5m]) by', '{app="x"} | decolorize foo', '{app="x"} |~ "("',
    '{app="x"} |~ "a{2,1}"', '{app="x"} != "a" or', '{app="x"} | json | (a="b"', '{app="x"} | json | a="b" and',
    '{app="x"} | json | a=~"("', '{app="x"} | line_format "{{ .a | }}"', '{app="x", app="y"', '{app="x",,}',
    '{app="x"} | logfmt --strict --strict a', '{app="x"} | json | a == "b"', '{app="x"} | json | a > 1 1',
    'rate({app="x"}[1x])', 'rate({app="x"}[-5m])', 'rate({app="x"}[0s])', 'sum()', 'sum(1)', 'sum(vector(1)) by',
    'count_over_time({app="x"}[5m]) / on(a) count_over_time({app="x"}[5m]) on(b)', 'unknown_over_time({app="x"}[5m])',
    '"just a string"', '42abc', '{app="x"} | label_format a=`{{ .a }`', '{app="x"} | json | label_format',
    'label_replace(vector(1), "a", "b", "c", "d") by (a)', 'sum without (a) by (b) (rate({app="x"}[5m]))',
    '{app="x"} | json | __error__ > 1', '', ' ', '#only a comment', '{app="x"} # comment only after',
    'max_over_time({app="x"} | logfmt | unwrap duration(took) [5m]) by (a) without (b)',
    'sum(count_over_time({app="x"}[5m])) by (a) + 1 by (b)', '{app="x"} |> "<_> foo"', '{app="x"} | logfmt | a = 1 or',
    'first_over_time({app="x"}[5m])', 'stddev_over_time({app="x"} | logfmt [5m])',
    '{app="x"} | pattern `<a> <_> <b> <a>`', 'approx_topk(2, rate({app="x"}[5m]))',
    '{app="x"} |= "a" or "b"', 'topk(2, rate({app="x"}[5m]) by (a))',
]
for q in INVALID:
    metq("invalid", q)
for q in INVALID[::3]:
    inst("invalid", q)
for q in INVALID[:40:2]:
    logq("invalid", q)
# a comment and valid queries that look odd
for q in ['{app="ooo"} # trailing comment', '{app="ooo"} |= "minute=1" # comment', 'sum(count_over_time({app="ooo"}[1h])) # c']:
    metq("invalid", q, step="3600s")
# request-parameter errors
R = "/loki/api/v1/query_range"
PARAM_ERRORS = [
    [], [("query", '{app="ooo"}'), ("start", "yesterday"), ("end", ns(3600))],
    [("query", '{app="ooo"}'), ("start", ns(3600)), ("end", ns(0))],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(3600)), ("end", ns(3600)), ("step", "60s")],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(0)), ("end", ns(3600)), ("step", "0")],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(0)), ("end", ns(3600)), ("step", "-60s")],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(0)), ("end", ns(3600)), ("step", "abc")],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(0)), ("end", ns(3600)), ("step", "0.1")],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(-86400 * 40)), ("end", ns(3600)), ("step", "3600s")],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("limit", "-1")],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("limit", "abc")],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("limit", "200000")],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("limit", "0")],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("direction", "sideways")],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("direction", "FORWARD"), ("limit", "3")],
    [("query", '{app="ooo"}'), ("start", "2024-02-12T10:00:00"), ("end", ns(3600))],
    [("query", '{app="ooo"}'), ("start", "1e9"), ("end", ns(3600))],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("step", "60s"), ("limit", "3")],
    [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600)), ("interval", "10m"), ("limit", "50")],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(0)), ("end", ns(3600)), ("step", "60s"), ("interval", "5m")],
    [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(0)), ("end", ns(3600)), ("step", "60s"), ("limit", "1")],
]
for p in PARAM_ERRORS:
    case("params", R, p)
for p in [[], [("query", "vector(1)"), ("time", "yesterday")], [("query", '{app="ooo"}'), ("time", ns(1800)), ("limit", "-5")],
          [("query", 'count_over_time({app="ooo"}[5m])'), ("time", ns(1800)), ("direction", "up")],
          [("query", "vector(1)"), ("time", "2024-02-12T10:00:00Z")], [("query", "vector(1)"), ("time", f"{T0}.123")],
          [("query", 'count_over_time({app="ooo"}[5m])'), ("time", ns(1800)), ("limit", "1")]]:
    case("params", "/loki/api/v1/query", p)
# POST form bodies are read like query strings
case("params", R, [("query", 'count_over_time({app="ooo"}[5m])'), ("start", ns(0)), ("end", ns(3600)), ("step", "600s")],
     method="POST")
case("params", "/loki/api/v1/query", [("query", 'sum(count_over_time({app="ooo"}[1h]))'), ("time", ns(3600))], method="POST")

# ---------------------------------------------------------------------------------------------------------------
# labels, label values, series, index stats, volume
W = [("start", LOG_START), ("end", LOG_END)]
case("meta", "/loki/api/v1/labels", W)
case("meta", "/loki/api/v1/labels", [("start", ns(0)), ("end", ns(60))])
case("meta", "/loki/api/v1/labels", [("start", ns(-3600)), ("end", ns(-1800))])
case("meta", "/loki/api/v1/labels", [("start", ns(-1800)), ("end", ns(-1700))])
case("meta", "/loki/api/v1/labels", [("start", ns(7200)), ("end", ns(9000))])
case("meta", "/loki/api/v1/labels", [("start", "2024-02-12T10:00:00Z"), ("end", "2024-02-12T11:00:00Z")])
case("meta", "/loki/api/v1/labels", [("start", ns(0)), ("end", ns(3600)), ("query", '{app="counter"}')])
for name in ["app", "env", "level", "lang", "host", "instance", "job", "cluster", "zone", "nope", "__name__", "status"]:
    case("meta", f"/loki/api/v1/label/{name}/values", W)
case("meta", "/loki/api/v1/label/app/values", [("start", ns(-3600)), ("end", ns(-1800))])
case("meta", "/loki/api/v1/label/app/values", [("start", ns(0)), ("end", ns(3600)), ("query", '{env="prod"}')])
case("meta", "/loki/api/v1/label/env/values", [("start", ns(0)), ("end", ns(3600)), ("query", '{app=~"churn.*|checkout"}')])
case("meta", "/loki/api/v1/label/level/values", [("start", ns(0)), ("end", ns(3600)), ("query", '{app="churn-api"} |= "x"')])
case("meta", "/loki/api/v1/label/env/values", [("start", ns(0)), ("end", ns(3600)), ("query", '{app="churn-api"')])
SERIES = [['{app="churn-api"}'], ['{app=~"c.*"}'], ['{env="prod"}', '{app="i18n"}'], ['{app="nope"}'],
          ['{app="counter", instance!="i-1"}'], ['{app="churn-api"}', '{app="churn-api", env="prod"}'],
          ['{app="x"'], ['{app=""}'], ['{app=~".*"}'], ['{app="churn-api"} |= "x"'], ['{app=~".+"}'],
          ['count_over_time({app="x"}[5m])'], ['{lang=~".+"}', '{zone="dmz"}', '{job="packer"}']]
for ms in SERIES:
    case("meta", "/loki/api/v1/series", [("match[]", m) for m in ms] + W)
case("meta", "/loki/api/v1/series", W)
case("meta", "/loki/api/v1/series", [("match[]", '{app="early"}'), ("start", ns(0)), ("end", ns(3600))])
case("meta", "/loki/api/v1/series", [("match[]", '{app="early"}'), ("start", ns(-1800)), ("end", ns(-1000))])
case("meta", "/loki/api/v1/series", [("match", '{app="ooo"}')] + W)
case("meta", "/loki/api/v1/series", [("match[]", '{app="ooo"}')] + W, method="POST")
STATS = ['{app="churn-api"}', '{app=~".+"}', '{env="prod"}', '{app="nope"}', '{app="churn-api", level="ERROR"}',
         '{app="churn-api"} |= "error"', '{app="churn-api"} | json | level="error"', '{app="x"', '{app=""}',
         'count_over_time({app="ooo"}[5m])', '{app="early"}', '{app="traced"}', '{app="empty"}', '{app="dupes"}']
for q in STATS:
    case("stats", "/loki/api/v1/index/stats", [("query", q)] + W)
case("stats", "/loki/api/v1/index/stats", [("query", '{app="early"}'), ("start", ns(-1800)), ("end", ns(-900))])
case("stats", "/loki/api/v1/index/stats", [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(60))])
case("stats", "/loki/api/v1/index/stats", W)
VOLUME = [
    [("query", '{app="churn-api"}')], [("query", '{app=~".+"}')], [("query", '{env="prod"}'), ("limit", "2")],
    [("query", '{app=~".+"}'), ("targetLabels", "env")], [("query", '{app=~".+"}'), ("targetLabels", "env,level")],
    [("query", '{app=~".+"}'), ("aggregateBy", "labels")], [("query", '{app="churn-api"}'), ("aggregateBy", "labels")],
    [("query", '{app=~".+"}'), ("aggregateBy", "series"), ("targetLabels", "app")], [("query", '{app="nope"}')],
    [("query", '{app="x"')], [("query", '{app="churn-api"} |= "x"')], [("query", '{app=~".+"}'), ("limit", "0")],
    [("query", '{app=~".+"}'), ("aggregateBy", "bogus")], [("query", '{}')], [("query", '{app=~".+"}'), ("limit", "-1")],
    [("query", '{app="counter"}'), ("targetLabels", "instance")],
]
for p in VOLUME:
    case("volume", "/loki/api/v1/index/volume", p + W)
for p in VOLUME[:8]:
    case("volume", "/loki/api/v1/index/volume_range", p + [("start", ns(0)), ("end", ns(3600)), ("step", "600s")])
case("volume", "/loki/api/v1/index/volume_range", [("query", '{app="ooo"}'), ("start", ns(0)), ("end", ns(3600))])
case("volume", "/loki/api/v1/index/volume", [("query", '{app="early"}'), ("start", ns(-1800)), ("end", ns(-900))])

# ---------------------------------------------------------------------------------------------------------------
# format_query
for q in ['{app="x"}', '{app="x",env=~"p.*"}|="a"!="b"|json|level="error"|line_format "{{.a}}"',
          'sum by(env)(count_over_time({app="x"}[5m]))', 'sum(rate({app="x"}[5m]))by(a)/on(a)group_left sum(rate({app="y"}[5m]))by(a)',
          'quantile_over_time(0.9,{app="x"}|logfmt|unwrap duration(took)|__error__=""[5m])by(a)',
          'topk(3,sum by(a)(rate({app="x"}|json|drop b,c|keep d[1m])))', 'label_replace(vector(1),"a","b","c","d")',
          '{app="x"}|pattern "<a> <_>"|regexp "(?P<b>.)"|unpack|logfmt --strict --keep-empty a,b="c"',
          '{app="x"}|label_format a=b,c="{{.d}}"|decolorize', '1+2*3', '{app="x"}|=ip("1.2.3.4")|a=ip("1.0.0.0/8")',
          'count_over_time({app="x"}[5m] offset 1h)>bool 2', '{app="x"', 'sum(', '{app="x"}|json a="b.c[0]"',
          'avg_over_time({app="x"}|json|unwrap bytes(b)[5m])without(c)', 'vector(0) or sum(rate({a="b"}[1m]))',
          '{app="x"} | a > 5 and (b < 1s or c >= 2KB) , d=~"e"', 'sort_desc(count_over_time({a="b"}[1m]))',
          '{app="x"} |~ `\\d+` !~ "x" # comment']:
    case("fmtq", "/loki/api/v1/format_query", [("query", q)])
case("fmtq", "/loki/api/v1/format_query", [])
case("fmtq", "/loki/api/v1/format_query", [("query", '{app="x"}|json')], method="POST")


# ---------------------------------------------------------------------------------------------------------------
# push validation (tenant "push"): bodies are built by the runner from these descriptions. In texts and labels,
# <<repeat C N>> stands for the character C repeated N times (keeps this file small); "gzip": true compresses the
# body ("deflate": true with raw DEFLATE) (the Content-Encoding header is set separately, so a wrong header can be tested too); "snappy": "block"
# compresses a protobuf body with snappy's block format, "trailing" (base64) appends bytes after it.
def push(body, content_type="application/json", encoding=None):
    counters["push"] = counters.get("push", 0) + 1
    c = {"id": f"push-{counters['push']:04d}", "tenant": "push", "method": "POST", "path": "/loki/api/v1/push",
         "params": [], "body": body, "contentType": content_type}
    if encoding:
        c["contentEncoding"] = encoding
    cases.append(c)


def js(streams):
    return {"kind": "json", "text": json.dumps({"streams": streams}, ensure_ascii=False)}


OK_TS = ns(100)
push(js([{"stream": {"app": "ok"}, "values": [[OK_TS, "fine"]]}]))
push(js([]))
push({"kind": "json", "text": ""})
push({"kind": "json", "text": "{"})
push({"kind": "json", "text": "not json"})
push({"kind": "json", "text": '{"streams": [{"stream": {"app": "a"}, "values": [["abc", "line"]]}]}'})
push({"kind": "json", "text": '{"streams": [{"stream": {"app": "a"}, "values": [[' + OK_TS + ', "line"]]}]}'})
push({"kind": "json", "text": '{"streams": [{"stream": {"app": "a"}, "values": [["' + OK_TS + '"]]}]}'})
push({"kind": "json", "text": '{"streams": [{"stream": {"app": "a"}, "values": [["' + OK_TS + '", "l", {"k": 1}]]}]}'})
push({"kind": "json", "text": '{"streams": [{"stream": {"app": 1}, "values": [["' + OK_TS + '", "l"]]}]}'})
push({"kind": "json", "text": '{"streams": {}}'})
push({"kind": "json", "text": '{"other": 1}'})
push({"kind": "json", "text": '{"streams": [{"values": [["' + OK_TS + '", "no labels"]]}]}'})
push(js([{"stream": {}, "values": [[OK_TS, "empty labels"]]}]))
push(js([{"stream": {"1a": "x"}, "values": [[OK_TS, "bad name"]]}]))
push(js([{"stream": {"a-b": "x"}, "values": [[OK_TS, "bad name"]]}]))
push(js([{"stream": {"__name__": "x", "app": "y"}, "values": [[OK_TS, "reserved"]]}]))
push(js([{"stream": {"app": ""}, "values": [[OK_TS, "empty value"]]}]))
push(js([{"stream": {"app": "long"}, "values": [[OK_TS, "<<repeat x 262145>>"]]}]))
push(js([{"stream": {"app": "long"}, "values": [[OK_TS, "<<repeat x 262144>>"]]}]))
push(js([{"stream": {**{f"l{i:02d}": "v" for i in range(16)}}, "values": [[OK_TS, "16 labels"]]}]))
push(js([{"stream": {**{f"l{i:02d}": "v" for i in range(15)}}, "values": [[OK_TS, "15 labels"]]}]))
push(js([{"stream": {"<<repeat n 1025>>": "v"}, "values": [[OK_TS, "long name"]]}]))
push(js([{"stream": {"app": "<<repeat v 2049>>"}, "values": [[OK_TS, "long value"]]}]))
push(js([{"stream": {"app": "<<repeat v 2048>>"}, "values": [[OK_TS, "value at limit"]]}]))
push(js([{"stream": {"app": "future"}, "values": [[str(4102444800 * NS), "2100"]]}]))
# Two refusals with the same text: grouped as "2 errors like: …" (Loki lists distinct texts in map order).
push(js([{"stream": {"app": "future"}, "values": [[OK_TS, "ok"], [str(4102444800 * NS), "2100"], [str(4102444800 * NS), "2100b"]]}]))
push(js([{"stream": {"app": "ok2"}, "values": [[OK_TS, "a"]]}, {"stream": {"1bad": "x"}, "values": [[OK_TS, "b"]]}]))
push(js([{"stream": {"app": "sm"}, "values": [[OK_TS, "with metadata", {"trace_id": "abc"}]]}]))
push(js([{"stream": {"app": "sm"}, "values": [[OK_TS, "bad metadata name", {"1x": "abc"}]]}]))
push(js([{"stream": {"app": "empty-line"}, "values": [[OK_TS, ""]]}]))
push(js([{"stream": {"app": "ooo-push"}, "values": [[ns(200), "b"], [ns(100), "a"]]}]))
push(js([{"stream": {"app": "ok"}, "values": [[OK_TS, "fine"]]}]), content_type="text/plain")
push(js([{"stream": {"app": "ok"}, "values": [[OK_TS, "fine"]]}]), content_type="")
push({**js([{"stream": {"app": "gz"}, "values": [[OK_TS, "gzipped"]]}]), "gzip": True}, encoding="gzip")
push({"kind": "json", "text": "garbage that is not gzip"}, encoding="gzip")
push(js([{"stream": {"app": "br"}, "values": [[OK_TS, "brotli?"]]}]), encoding="br")
push({**js([{"stream": {"app": "deflate"}, "values": [[OK_TS, "deflated"]]}]), "deflate": True}, encoding="deflate")
push(js([{"stream": {"app": "ct"}, "values": [[OK_TS, "json with charset"]]}]), content_type="application/json; charset=utf-8")
push(js([{"stream": {"b": "2", "a": "1", "c": ""}, "values": [[OK_TS, "unsorted labels, one empty"]]}, {"stream": {"a": "1", "b": "2"}, "values": []}]))
push(js([{"stream": {"app": "<<repeat v 2049>>"}, "values": []}]))
push(js([{"stream": {"app": "mixed"}, "values": [[str(4102444800 * NS), "future"]]}, {"stream": {"app": "<<repeat v 2049>>"}, "values": [[OK_TS, "long value"]]}]))
push({"kind": "json", "text": json.dumps({"streams": [{"labels": '{app="legacy"}', "entries": [{"ts": "2024-02-12T10:01:40Z", "line": "legacy"}]}]})})
push({"kind": "json", "text": json.dumps({"streams": [{"labels": '{app="legacy"', "entries": [{"ts": "2024-02-12T10:01:40Z", "line": "x"}]}]})})
PROTO_OK = {"streams": [{"labels": '{app="proto"}', "entries": [[OK_TS, "proto line"]]}]}
push({"kind": "proto", "request": PROTO_OK, "snappy": "block"}, content_type="application/x-protobuf")
push({"kind": "proto", "request": PROTO_OK, "snappy": "block", "trailing": "AAAA"}, content_type="application/x-protobuf")
push({"kind": "proto", "request": PROTO_OK, "snappy": "none"}, content_type="application/x-protobuf")
push({"kind": "raw", "base64": "AQIDBAUGBwg="}, content_type="application/x-protobuf")
push({"kind": "proto", "request": {"streams": [{"labels": '{app="proto"', "entries": [[OK_TS, "x"]]}]}, "snappy": "block"},
     content_type="application/x-protobuf")
push({"kind": "proto", "request": {"streams": [{"labels": '{}', "entries": [[OK_TS, "x"]]}]}, "snappy": "block"},
     content_type="application/x-protobuf")
push({"kind": "proto", "request": {"streams": [{"labels": '{app="a", app="b"}', "entries": [[OK_TS, "dup"]]}]}, "snappy": "block"},
     content_type="application/x-protobuf")
push({"kind": "proto", "request": {"streams": [{"labels": 'app="a"', "entries": [[OK_TS, "x"]]}]}, "snappy": "block"},
     content_type="application/x-protobuf")
push({"kind": "proto", "request": {"streams": [{"labels": '{app="p"}', "entries": [[OK_TS, "<<repeat x 262145>>"]]}]}, "snappy": "block"},
     content_type="application/x-protobuf")
push({"kind": "proto", "request": {"streams": [{"labels": '{app="p"}', "entries": [[OK_TS, "m", {"trace_id": "t"}]]}]}, "snappy": "block"},
     content_type="application/x-protobuf")

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.jsonl")
with open(out, "w", encoding="utf-8") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False, separators=(",", ":")) + "\n")
by_group = {}
for c in cases:
    g = c["id"].split("-")[0]
    by_group[g] = by_group.get(g, 0) + 1
print(f"{len(cases)} cases -> {out}")
print(", ".join(f"{g} {n}" for g, n in by_group.items()))
