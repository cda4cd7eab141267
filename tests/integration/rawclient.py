#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A raw client for xhvd's control socket, for what the xhv CLI cannot send.

The protocol (src/ctl/ctl.h): a 4-byte big-endian length N, 1 <= N <= 1 MiB,
then N bytes of one JSON object; each request gets exactly one answer, in
order. Every wait here is bounded (TIMEOUT seconds) and waits on the socket
itself, never on the clock.

  rawclient.py SOCKET call CMD [ARGS_JSON]  one request; prints the answer
                                            (exit 3: closed without one)
  rawclient.py SOCKET state                 the daemon's state as one
                                            canonical JSON line
  rawclient.py SOCKET case NAME             one malformed-input scenario;
                                            prints '# ...' diagnostics, exits
                                            0 when the daemon behaved, and
                                            then prints "hello: {...}" and
                                            "state: {...}" from new
                                            connections
  rawclient.py cases                        the scenario names
"""
import json
import os
import random
import socket
import struct
import sys

TIMEOUT = 15.0
MAX_MSG = 1 << 20


class Closed(Exception):
    """The daemon closed the connection."""


class Fail(Exception):
    """The daemon did something other than what the scenario expects."""


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(path)
    return s


def frame(body):
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return struct.pack(">I", len(body)) + body


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise Closed("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_answer(s):
    """One answer as a dict; Closed at EOF; socket.timeout if none comes."""
    (n,) = struct.unpack(">I", recv_exact(s, 4))
    if n == 0 or n > MAX_MSG:
        raise Fail("answer frame length %d is out of range" % n)
    raw = recv_exact(s, n)
    try:
        ans = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Fail("answer is not valid UTF-8 JSON (%s): %r" % (e, raw[:200]))
    if not isinstance(ans, dict) or not isinstance(ans.get("ok"), bool):
        raise Fail("answer is not {\"ok\": bool, ...}: %r" % (ans,))
    if ans["ok"]:
        if set(ans) != {"ok", "result"} or not isinstance(ans["result"], dict):
            raise Fail("bad success answer: %r" % (ans,))
    elif set(ans) != {"ok", "error", "errno", "message"} or \
            not isinstance(ans["errno"], int) or not ans["message"]:
        raise Fail("bad error answer: %r" % (ans,))
    return ans


def expect_eof(s):
    """The daemon must close the connection (bounded wait)."""
    try:
        extra = s.recv(4096)
    except ConnectionResetError:
        extra = b""
    if extra:
        raise Fail("expected the connection closed, got %r" % extra[:100])


def request(s, obj):
    try:
        s.sendall(frame(obj))
    except (BrokenPipeError, ConnectionResetError) as e:
        raise Closed("while sending: %s" % e)
    return recv_answer(s)


def expect_error(ans, name, what, contains=None):
    if ans["ok"] or ans["error"] != name:
        raise Fail("%s: expected %s, got %r" % (what, name, ans))
    if contains and contains not in ans["message"]:
        raise Fail("%s: message %r lacks %r" % (what, ans["message"], contains))
    print("# %s -> %s: %s" % (what, name, ans["message"]))


def expect_ok(ans, what):
    if not ans["ok"]:
        raise Fail("%s: expected ok, got %r" % (what, ans))
    return ans["result"]


def still_talks(s, what="after the bad request"):
    """The same connection still answers: nothing was lost or left over."""
    r = expect_ok(request(s, {"cmd": "hello"}), "hello " + what)
    if r.get("protocol") != 1:
        raise Fail("hello answered %r" % (r,))


def call(path, cmd, args=None):
    s = connect(path)
    try:
        req = {"cmd": cmd}
        if args is not None:
            req["args"] = args
        return request(s, req)
    finally:
        s.close()


def state(path):
    """What must not change when a request is refused."""
    lst = expect_ok(call(path, "list", {"long": True}), "list")
    info = expect_ok(call(path, "info"), "info")
    keep = ("total_memory_mib", "free_memory_mib", "free_pages",
            "domain_pages", "xenheap_pages", "broken_pages",
            "reserved_pages", "nr_domains", "pid")
    return {"domains": lst["domains"],
            "info": {k: info.get(k) for k in keep}}


# ---- Scenarios: each raises Fail, or returns when the daemon behaved ----

CASES = {}


def case(fn):
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


def good_config(path, **over):
    cfg = {"name": "rawdom", "type": "pvh", "memory_mib": 4,
           "maxmem_mib": 4, "vcpus": 1, "kernel": KERNEL,
           "on_poweroff": "destroy", "on_reboot": "restart",
           "on_crash": "destroy"}
    cfg.update(over)
    return {k: v for k, v in cfg.items() if v is not None}


KERNEL = os.environ.get("RAW_KERNEL", "/nonexistent")


@case
def random_bytes(path):
    """Random garbage, framed or not: only error answers, then a close."""
    rng = random.Random(int.from_bytes(os.urandom(8), "little"))
    for i in range(24):
        s = connect(path)
        if i % 2:
            # A plausible header and a random body: one EINVAL answer.
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(16, 512)))
            s.sendall(frame(body))
            expect_error(recv_answer(s), "EINVAL", "random body %d" % i)
            still_talks(s)
        else:
            try:
                s.sendall(bytes(rng.randrange(256)
                                for _ in range(rng.randrange(4, 4096))))
                s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused while we were still sending: fine
            try:
                while True:
                    ans = recv_answer(s)
                    if ans["ok"]:
                        raise Fail("garbage got a success answer: %r" % ans)
            except Closed:
                pass
        s.close()
    print("# 24 connections of random bytes refused")


@case
def zero_length(path):
    s = connect(path)
    s.sendall(b"\0\0\0\0")
    expect_error(recv_answer(s), "EMSGSIZE", "frame length 0")
    expect_eof(s)


@case
def too_long(path):
    for n in (MAX_MSG + 1, 0xFFFFFFFF):
        s = connect(path)
        # The header alone: the daemon must refuse before reading a body.
        s.sendall(struct.pack(">I", n))
        expect_error(recv_answer(s), "EMSGSIZE", "frame length %d" % n)
        expect_eof(s)
        s.close()


@case
def max_length(path):
    """Exactly 1 MiB is allowed."""
    head = b'{"cmd": "hello"'
    body = head + b" " * (MAX_MSG - len(head) - 1) + b"}"
    s = connect(path)
    s.sendall(frame(body))
    expect_ok(recv_answer(s), "a 1 MiB hello")
    still_talks(s)


@case
def bad_json(path):
    s = connect(path)
    for body in ('{"cmd": "hello"', '{"cmd": hello}', "{'cmd': 'hello'}",
                 '{"cmd": "hello",}', "not json at all", '"just a string"'):
        s.sendall(frame(body))
        expect_error(recv_answer(s), "EINVAL", "body %r" % body)
        still_talks(s)


@case
def trailing_bytes(path):
    s = connect(path)
    s.sendall(frame('{"cmd": "hello"} {"cmd": "hello"}'))
    expect_error(recv_answer(s), "EINVAL", "two objects in one frame")
    still_talks(s)


@case
def json_array(path):
    s = connect(path)
    s.sendall(frame('["hello", {}]'))
    expect_error(recv_answer(s), "EINVAL", "a JSON array", "not a JSON object")
    still_talks(s)


@case
def nul_byte(path):
    s = connect(path)
    s.sendall(frame(b'{"cmd": "hel\0lo"}'))
    expect_error(recv_answer(s), "EINVAL", "a raw NUL byte", "NUL")
    s.sendall(frame(b'{"cmd": "hello"}\0'))
    expect_error(recv_answer(s), "EINVAL", "a NUL after the object")
    still_talks(s)


@case
def escaped_nul(path):
    """"\\u0000" decodes to a NUL inside a string: it must not cut the
    string short (so "hello\\u0000x" is not "hello")."""
    s = connect(path)
    s.sendall(frame(b'{"cmd": "hello\\u0000x"}'))
    ans = recv_answer(s)
    if ans["ok"]:
        raise Fail("cmd \"hello\\u0000x\" was run as hello")
    print("# cmd with an escaped NUL -> %s: %s" % (ans["error"], ans["message"]))
    still_talks(s)


@case
def deep_nesting(path):
    s = connect(path)
    for what, body in (
            ("arrays", '{"cmd": "hello", "args": {"a": %s}}'
             % ("[" * 100 + "]" * 100)),
            ("objects", '{"cmd": "hello", "args": %s}'
             % ('{"a": ' * 100 + "1" + "}" * 100))):
        s.sendall(frame(body))
        expect_error(recv_answer(s), "EINVAL", "%s nested 100 deep" % what)
        still_talks(s)


@case
def missing_cmd(path):
    s = connect(path)
    for body in ({"args": {}}, {}, {"cmd": None}):
        expect_error(request(s, body), "EINVAL", "request %r" % body, "cmd")
    still_talks(s)


@case
def cmd_not_string(path):
    s = connect(path)
    for cmd in (42, ["hello"], {"name": "hello"}, True):
        expect_error(request(s, {"cmd": cmd}), "EINVAL", "cmd %r" % (cmd,),
                     "cmd")
    still_talks(s)


@case
def unknown_cmd(path):
    s = connect(path)
    for cmd in ("reboot-host", "", "HELLO", "hello ", "x" * 300):
        ans = request(s, {"cmd": cmd})
        expect_error(ans, "ENOSYS", "cmd %r" % cmd[:20], "unknown command")
        if ans["errno"] != 38:
            raise Fail("ENOSYS with errno %r" % ans["errno"])
    still_talks(s)


@case
def non_ascii(path):
    """Answers stay valid UTF-8 JSON whatever bytes the request held."""
    s = connect(path)
    for body in (b'{"cmd": "\xff\xfe"}',
                 ('{"cmd": "%s\u00e9"}' % ("a" * 63)).encode(),
                 b'{"cmd": "destroy", "args": {"domain": "\xc3"}}'):
        s.sendall(frame(body))
        ans = recv_answer(s)
        if ans["ok"]:
            raise Fail("%r was accepted" % body)
        print("# %r -> %s" % (body[:40], ans["error"]))
    still_talks(s)


@case
def unknown_field(path):
    s = connect(path)
    for body in ({"cmd": "hello", "extra": 1},
                 {"cmd": "list", "args": {}, "id": 7}):
        expect_error(request(s, body), "EINVAL", "request %r" % body,
                     "unknown request field")
    still_talks(s)


@case
def args_not_object(path):
    s = connect(path)
    for args in ([], "x", 5, True):
        expect_error(request(s, {"cmd": "list", "args": args}), "EINVAL",
                     "args %r" % (args,), "'args' must be an object")
    still_talks(s)


@case
def create_wrong_types(path):
    s = connect(path)
    bad = [{"memory_mib": "4"}, {"memory_mib": 4.5}, {"memory_mib": True},
           {"maxmem_mib": "4"}, {"vcpus": "1"}, {"vcpus": [1]},
           {"name": 5}, {"name": None}, {"kernel": True}, {"kernel": None},
           {"type": 1}, {"on_crash": 3}, {"on_reboot": "explode"},
           {"cmdline": ["a"]}, {"ramdisk": 0}]
    for over in bad:
        expect_error(request(s, {"cmd": "create", "args": {
            "config": good_config(path, **over)}}), "EINVAL",
            "config with %r" % over)
    for args in ({"config": []}, {"config": "name=x"}, {},
                 {"config": good_config(path), "paused": "yes"}):
        expect_error(request(s, {"cmd": "create", "args": args}), "EINVAL",
                     "create args %r" % list(args))
    still_talks(s)


@case
def create_unknown_field(path):
    s = connect(path)
    for over in ({"disk": ["phy:/dev/sda"]}, {"memory": 4}, {"Name": "x"}):
        expect_error(request(s, {"cmd": "create", "args": {
            "config": good_config(path, **over)}}), "EINVAL",
            "config with %r" % over, "unknown config field")
    still_talks(s)


@case
def create_bad_values(path):
    s = connect(path)
    bad = [{"memory_mib": -4}, {"memory_mib": 0}, {"maxmem_mib": 2},
           {"maxmem_mib": -1}, {"vcpus": 0}, {"vcpus": -1}, {"vcpus": 100000},
           {"name": ""}, {"name": "123"}, {"name": "../etc"}, {"name": "a b"},
           {"name": "x" * 64}, {"type": "hvm"}, {"type": "pv"},
           {"kernel": "relative/vmlinuz"}, {"kernel": "/"},
           {"cmdline": "x" * 5000}]
    for over in bad:
        expect_error(request(s, {"cmd": "create", "args": {
            "config": good_config(path, **over)}}), "EINVAL",
            "config with %r" % ({k: str(v)[:20] for k, v in over.items()},))
    expect_error(request(s, {"cmd": "create", "args": {
        "config": good_config(path, kernel="/nonexistent/vmlinuz")}}),
        "ENOENT", "a kernel that does not exist")
    still_talks(s)


@case
def create_huge_memory(path):
    s = connect(path)
    for mem in (1 << 40, (1 << 64) - 1, 1 << 63, 1e30):
        expect_error(request(s, {"cmd": "create", "args": {
            "config": good_config(path, memory_mib=mem, maxmem_mib=None)}}),
            "EINVAL", "memory_mib %r" % mem)
    s.sendall(frame('{"cmd": "create", "args": {"config": %s}}' % json.dumps(
        good_config(path, memory_mib=1, maxmem_mib=None)).replace(
            '"memory_mib": 1', '"memory_mib": 99999999999999999999999')))
    expect_error(recv_answer(s), "EINVAL", "memory_mib beyond 64 bits")
    # Within the protocol's limit but beyond a domain's address space.
    expect_error(request(s, {"cmd": "create", "args": {
        "config": good_config(path, memory_mib=1 << 20, maxmem_mib=None)}}),
        "EINVAL", "memory_mib of 1 TiB", "MiB")
    # Possible for a domain, but beyond the machine: ENOMEM.
    expect_error(request(s, {"cmd": "create", "args": {
        "config": good_config(path, memory_mib=100000, maxmem_mib=None)}}),
        "ENOMEM", "memory_mib of 100000", "not enough free memory")
    still_talks(s)


@case
def domain_arg(path):
    s = connect(path)
    for cmd in ("destroy", "pause", "unpause", "shutdown", "dump"):
        for args in (None, {}, {"domain": 1}, {"domain": None},
                     {"domain": ["web"]}):
            req = {"cmd": cmd}
            if args is not None:
                req["args"] = args
            expect_error(request(s, req), "EINVAL", "%s %r" % (cmd, args),
                         "domain")
        expect_error(request(s, {"cmd": cmd, "args": {"domain": "nosuch"}}),
                     "ENOENT", "%s of a missing domain" % cmd)
        expect_error(request(s, {"cmd": cmd, "args": {"domain": "4242"}}),
                     "ENOENT", "%s of a missing id" % cmd)
    still_talks(s)


@case
def other_args(path):
    s = connect(path)
    for req in ({"cmd": "list", "args": {"long": "yes"}},
                {"cmd": "dmesg", "args": {"clear": 1}},
                {"cmd": "debug-keys"},
                {"cmd": "debug-keys", "args": {"keys": ""}},
                {"cmd": "debug-keys", "args": {"keys": "q" * 65}},
                {"cmd": "debug-keys", "args": {"keys": 113}},
                {"cmd": "shutdown", "args": {"domain": "x", "reason": "halt"}},
                {"cmd": "shutdown", "args": {"domain": "x", "reason": 1}}):
        expect_error(request(s, req), "EINVAL", "%s %r" % (req["cmd"],
                                                          req.get("args")))
    still_talks(s)


@case
def hangup_mid_frame(path):
    """Clients that vanish mid-header or mid-body cost nothing."""
    for part in (b"\0\0", frame('{"cmd": "hello"}')[:9],
                 struct.pack(">I", 4096) + b"{"):
        s = connect(path)
        s.sendall(part)
        s.close()
    print("# three clients hung up mid-frame")


@case
def stalled_client(path):
    """A sends a header and half a body and stalls; B is served in full;
    then A completes its frame and gets its answer."""
    body = json.dumps({"cmd": "list", "args": {"long": False}}).encode()
    a = connect(path)
    a.sendall(struct.pack(">I", len(body)) + body[:len(body) // 2])
    b = connect(path)
    for cmd in ("list", "info", "hello"):
        expect_ok(request(b, {"cmd": cmd}), "B's %s while A stalls" % cmd)
    b2 = connect(path)
    expect_ok(request(b2, {"cmd": "info"}), "a third client while A stalls")
    b2.close()
    b.close()
    # A has had nothing back: its half request must not be answered.
    a.setblocking(False)
    try:
        early = a.recv(1)
    except BlockingIOError:
        early = None
    a.settimeout(TIMEOUT)
    if early is not None:
        raise Fail("A got %r before its frame was complete" % early)
    a.sendall(body[len(body) // 2:])
    r = expect_ok(recv_answer(a), "A's list once complete")
    if "domains" not in r:
        raise Fail("A's answer is not a list: %r" % r)
    print("# A answered after B: %d domains" % len(r["domains"]))
    still_talks(a)


@case
def pipelined(path):
    """Requests in one write, and one request in many writes."""
    s = connect(path)
    s.sendall(frame({"cmd": "hello"}) + frame({"cmd": "list"}) +
              frame({"cmd": "nosuch"}) + frame({"cmd": "info"}))
    a1, a2, a3, a4 = (recv_answer(s) for _ in range(4))
    if "version" not in expect_ok(a1, "1st pipelined (hello)"):
        raise Fail("1st answer is not hello's: %r" % a1)
    if "domains" not in expect_ok(a2, "2nd pipelined (list)"):
        raise Fail("2nd answer is not list's: %r" % a2)
    expect_error(a3, "ENOSYS", "3rd pipelined (nosuch)")
    if "free_memory_mib" not in expect_ok(a4, "4th pipelined (info)"):
        raise Fail("4th answer is not info's: %r" % a4)
    for byte in frame({"cmd": "hello"}):
        s.send(bytes([byte]))
    expect_ok(recv_answer(s), "hello sent one byte at a time")
    print("# four pipelined answers in order; a byte-wise frame answered")


def expect_closed_by_xhvd(mine, what):
    """mine's peer was passed to xhvd and closed there: mine sees EOF (the
    local copy of the peer is closed already). Bounded by TIMEOUT."""
    mine.settimeout(TIMEOUT)
    try:
        extra = mine.recv(1)
    except ConnectionResetError:
        extra = b""
    if extra:
        raise Fail("%s: the passed descriptor got bytes %r" % (what, extra))
    print("# %s: xhvd closed the passed descriptor" % what)


def send_with_fds(s, obj, fds):
    socket.send_fds(s, [frame(obj)], fds)


@case
def passed_fd(path):
    """Descriptor passing (SCM_RIGHTS): a migrate request that says "dest":
    "fd" without a descriptor is refused before anything happens; one that
    comes unasked, or with a refused request, is closed; a pipe is not a
    connection; xhvd makes no TCP connection of its own."""
    s = connect(path)
    expect_error(request(s, {"cmd": "migrate", "args": {
        "domain": "alpha", "dest": "fd"}}), "EBADF",
        "migrate dest fd without a descriptor", "no descriptor")
    still_talks(s)
    mine1, theirs1 = socket.socketpair()
    mine2, theirs2 = socket.socketpair()
    send_with_fds(s, {"cmd": "hello"}, [theirs1.fileno(), theirs2.fileno()])
    theirs1.close()
    theirs2.close()
    expect_ok(recv_answer(s), "hello with two descriptors")
    expect_closed_by_xhvd(mine1, "hello's 1st descriptor (unasked)")
    expect_closed_by_xhvd(mine2, "hello's 2nd descriptor (unasked)")
    mine3, theirs3 = socket.socketpair()
    send_with_fds(s, {"cmd": "migrate", "args": {
        "domain": "nosuch", "dest": "fd"}}, [theirs3.fileno()])
    theirs3.close()
    expect_error(recv_answer(s), "ENOENT", "migrate of no domain, with a "
                 "descriptor")
    expect_closed_by_xhvd(mine3, "a refused migrate's descriptor")
    r, w = os.pipe()
    send_with_fds(s, {"cmd": "migrate", "args": {
        "domain": "alpha", "dest": "fd"}}, [w])
    os.close(w)
    expect_error(recv_answer(s), "EINVAL", "migrate to a pipe",
                 "not a socket")
    os.close(r)
    expect_error(request(s, {"cmd": "migrate", "args": {
        "domain": "alpha", "dest": "tcp:127.0.0.1:1"}}), "EINVAL",
        "migrate to tcp: (xhvd does not connect)", "neither")
    still_talks(s, "after the descriptor cases")


def main(argv):
    if len(argv) == 2 and argv[1] == "cases":
        print("\n".join(CASES))
        return 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, what = argv[1], argv[2]
    try:
        if what == "call" and len(argv) in (4, 5):
            args = json.loads(argv[4]) if len(argv) == 5 else None
            print(json.dumps(call(path, argv[3], args), sort_keys=True))
            return 0
        if what == "state" and len(argv) == 3:
            print(json.dumps(state(path), sort_keys=True))
            return 0
        if what == "case" and len(argv) == 4 and argv[3] in CASES:
            try:
                CASES[argv[3]](path)
                rc = 0
            finally:
                # Then, on fresh connections: is xhvd still there, and
                # what is its state now?
                hello = call(path, "hello")
                print("hello: %s" % json.dumps(hello.get("result", hello),
                                               sort_keys=True))
                print("state: %s" % json.dumps(state(path), sort_keys=True))
            return rc
    except Closed as e:
        print("# closed: %s" % e)
        return 3
    except (socket.timeout, TimeoutError):
        print("# timed out after %.0f s waiting for xhvd" % TIMEOUT)
        return 4
    except Fail as e:
        print("# FAIL: %s" % e)
        return 1
    except OSError as e:
        print("# %s" % e)
        return 5
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
